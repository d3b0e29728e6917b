/*
 * seal.h - the sealing commands of `btrack log` (seal-key, seal, verify
 * --seal) and the --seal-key/--seal-every options that `btrack record` and
 * `btrack capture` share.  All in cli/seal.c; the cryptography and
 * the format are core/seal.h.
 */
#ifndef BT_CLI_SEAL_H
#define BT_CLI_SEAL_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"

struct bt_log_writer;
struct bt_sealer;

/* Whether `btrack log ARGS` is a sealing command (seal-key, seal, or verify
 * with --seal), which cmd_log_seal() runs instead of cmd_log(). */
bool cmd_log_seal_owns(int argc, char **argv);
int cmd_log_seal(int argc, char **argv);

/* --seal-key STATE and --seal-every DURATION of a writing command. */
struct cli_seal {
	const char *state;        /* NULL: no sealing */
	uint64_t every_ns;        /* 0: only the final seal */
	struct bt_sealer *sealer;
};

/* Parse --seal-every's DURATION ("90", "90s", "15m", "1h", "1d"; at least
 * one second) into c->every_ns; EXIT_USAGE after a message. */
int cli_seal_every(const struct cli_cmd *cmd, struct cli_seal *c,
		   const char *val);
/* After option parsing, before the log is opened: --seal-every needs
 * --seal-key (EXIT_USAGE), and the sealing state must load (EXIT_ERROR or
 * EXIT_CORRUPT).  Both after a message; 0 when fine. */
int cli_seal_check(const struct cli_cmd *cmd, const struct cli_seal *c);
/* Once the log is open for writing (w, at log_path): make the sealer.  0,
 * or an exit code after a message. */
int cli_seal_start(struct cli_seal *c, struct bt_log_writer *w,
		   const char *log_path);
/* Periodic seal if due (cheap when not): between observations. */
void cli_seal_tick(struct cli_seal *c, struct bt_log_writer *w);
/* The final seal, just before the writer closes the log; reports a tick's
 * error too.  Frees the sealer.  0, or EXIT_ERROR after a message. */
int cli_seal_finish(struct cli_seal *c, struct bt_log_writer *w);
/* Free without a final seal (the log is abandoned).  Accepts NULL. */
void cli_seal_release(struct cli_seal *c);

#endif
