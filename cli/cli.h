/*
 * cli.h - what every `btrack <command>` shares: the command entry points,
 * one option table per command (parsing and help from the same rows),
 * messages on stderr, exit codes and the progress line.
 *
 * cli/ is the only part of btrack that talks to the terminal.  Messages are
 * "btrack: cannot open 'x.btl': No such file or directory": lowercase, no
 * full stop, the subject quoted.
 */
#ifndef BT_CLI_H
#define BT_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Exit codes. */
enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1,     /* anything else that went wrong */
	EXIT_USAGE = 2,     /* bad command line */
	EXIT_CORRUPT = 3    /* corrupt or invalid input (log, events, alerts) */
};

/* One option.  `id` is the short option character, or a value >= 256 for a
 * long-only option.  `arg` names the argument ("LOG") or is NULL for a
 * flag. */
struct cli_opt {
	int id;
	const char *lname;
	const char *arg;
	const char *help;
};

/* A command's interface: its synopsis lines (as in its man page, without
 * "btrack "), one-line summary and options, ending with a zeroed row. */
struct cli_cmd {
	const char *name;
	const char *synopsis;   /* lines separated by '\n' */
	const char *summary;
	const struct cli_opt *opts;
};

/*
 * Parse argv against c->opts with getopt_long: options may come before,
 * between and after operands (the operands are permuted to the end of argv,
 * in their order), except after "--", and except for a command that runs another
 * command (record: "btrack record -o x sh -c y"), where the first operand
 * ends them.
 * Calls fn for each option; fn returns 0, or an exit code to stop.  -h and
 * --help print the usage and return a negative value the caller turns into
 * exit 0: so: `r = cli_parse(...); if (r) return r < 0 ? 0 : r;`.  Bad
 * options print "btrack CMD: ..." and usage, and return EXIT_USAGE.  On
 * success *first_arg is the index of the first operand.
 */
int cli_parse(const struct cli_cmd *c, int argc, char **argv,
	      int (*fn)(void *ctx, int id, const char *val), void *ctx,
	      int *first_arg);
void cli_usage(const struct cli_cmd *c, FILE *f);

/* stderr messages, "btrack: " prefixed, newline added. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Information for the user (not a problem): "btrack: " prefixed. */
void cli_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Usage error for command c: message, a hint, returns EXIT_USAGE. */
int cli_usage_error(const struct cli_cmd *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Print bt_error_msg() for `err` and return its exit code. */
int cli_fail(int err);
int cli_exit_code(int err);

/* Parse numbers and times for options; print an error and return
 * EXIT_USAGE on failure. */
int cli_u64(const struct cli_cmd *c, const char *opt, const char *val,
	    uint64_t *out);
int cli_time(const struct cli_cmd *c, const char *opt, const char *val,
	     uint64_t *out);
int cli_u32(const struct cli_cmd *c, const char *opt, const char *val,
	    uint32_t *out);

/* A progress line on stderr when it is a terminal: "label: 42%".  Pass as a
 * bt_progress_fn with a const char *label as arg; cli_progress_done()
 * clears it. */
void cli_progress(void *label, uint64_t done, uint64_t total);
void cli_progress_done(void);
bool cli_isatty_stderr(void);

/*
 * Open an output: "-" or NULL is stdout.  A file is written beside `path`
 * and renamed onto it by cli_close_out() (core/outfile.h): an existing
 * `path` is an error unless `force`, a symlink is replaced, never written
 * through, a device or pipe is written to.  Returns NULL after printing an
 * error.  cli_close_out() returns 0 or an exit code (the file stays as it
 * was); cli_abort_out() drops the output (on a failed export).
 */
FILE *cli_open_out(const char *path, bool force);
/* Before long work: EXIT_ERROR (after a message) if cli_open_out() would
 * refuse `path` for existing, else 0. */
int cli_check_out(const char *path, bool force);
int cli_close_out(FILE *f, const char *path);
void cli_abort_out(FILE *f);

/*
 * The display rule (core/display.h) on the terminal, for every string
 * taken from evidence, a database or an alert: escape sequences, newlines,
 * tabs and invalid UTF-8 never reach it raw.  cli_shown() returns the
 * shown string in one of 8 static buffers (valid for the next 7 calls),
 * for printf's %s.  cli_reshown() is for text the rule already made (a
 * saved result's labels): it keeps the backslashes and escapes only what
 * the rule would never have left.  cli_error() and the other messages
 * apply the rule to the whole message.
 */
void cli_put_shown(FILE *f, const char *s);
void cli_put_shownn(FILE *f, const char *s, size_t n);
const char *cli_shown(const char *s);
const char *cli_reshown(const char *s);

/* Commands: one file each, cli/cmd-<name>.c. */
int cmd_import(int argc, char **argv);
int cmd_backtrack(int argc, char **argv);
int cmd_forward(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_capture(int argc, char **argv);
int cmd_db(int argc, char **argv);
int cmd_watch(int argc, char **argv);

/* The command table (cli/main.c), for help. */
struct cli_entry {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};
extern const struct cli_entry cli_commands[];

#define BTRACK_VERSION "0.1.0"

#endif
