/*
 * alertsrc.h - where `btrack watch` reads IDS alerts from: lines of JSON
 * (graph/alert.h parses them), one alert a line.
 *
 * Sources, chosen by the spec given to bt_alertsrc_open():
 *   "-"          standard input; its end ends the source.
 *   "unix:PATH"  a unix stream socket (SOCK_STREAM) created and listened
 *                on at PATH: any number of clients one after another, up
 *                to BT_ALERTSRC_CLIENTS at once, each sending lines
 *                (`socat - UNIX-CONNECT:PATH`, Falco's program_output
 *                through `nc -U`).  Stream, not datagram: a line longer
 *                than a datagram, or a client that writes a line in
 *                pieces, needs no framing rule.  An existing socket at
 *                PATH (a watcher that died) is replaced; anything else
 *                there is refused.  Removed at close.
 *   a FIFO       opened read-write so that writers may come and go
 *                without an end of file (Falco's file_output to a FIFO).
 *   a file       followed like `tail -F`: read from its start, then what
 *                is appended; a file renamed away (rotation) is read to its
 *                end, then the new file at the path is opened (from its
 *                start) when it appears, and the old one is still read
 *                for 2 s (what its writer appends before it reopens the
 *                path); a file cut shorter than what was
 *                read (truncation) is read again from its start.  A file
 *                that does not exist yet is waited for.
 * A line is at most BT_ALERT_LINE_MAX bytes; a longer one is reported (by
 * a call with too_long set) and skipped to its newline.  Blank lines are
 * skipped.  The bytes are untrusted; this module does not parse them.
 *
 * No allocation per line: one line buffer per stream, allocated at open
 * (or at a client's accept).  Does not print; what happened to a followed
 * file (rotated, truncated) is told through the event callback.
 */
#ifndef BT_ALERTSRC_H
#define BT_ALERTSRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BT_ALERT_LINE_MAX (64u << 10)
#define BT_ALERTSRC_CLIENTS 8

struct bt_alertsrc;

/* What the source tells its reader. */
struct bt_alertsrc_ops {
	/* One line (no newline; line[len] is '\0'), borrowed until the
	 * return.  too_long: the line was longer than BT_ALERT_LINE_MAX and
	 * `line` holds its first bytes only.  May block (a followed file
	 * waits for room in the caller's queue: nothing is lost); returns 0,
	 * or nonzero to stop reading (returned by bt_alertsrc_poll()). */
	int (*line)(void *arg, const char *line, size_t len, bool too_long);
	/* Something the user should hear ("'a.json' was truncated: reading
	 * it again from its start"); may be NULL. */
	void (*event)(void *arg, const char *what);
	void *arg;
};

/*
 * Open the source `spec` (see above).  The caller owns *out
 * (bt_alertsrc_close()).  BT_EINVAL for a socket path that exists and is
 * not a socket, BT_EIO for system errors.
 */
int bt_alertsrc_open(struct bt_alertsrc **out, const char *spec);

/*
 * Wait up to timeout_ms for input, then read what there is, calling
 * ops->line for each complete line in order.  Returns 0 (call again),
 * 1 at the end of the source (standard input closed; a partial last
 * line has been delivered), the nonzero value a callback returned, or a
 * negative bt_error.
 */
int bt_alertsrc_poll(struct bt_alertsrc *s, int timeout_ms,
		     const struct bt_alertsrc_ops *ops);

/* Whether the source keeps its alerts (a followed file): its reader may
 * wait rather than drop when it is behind. */
bool bt_alertsrc_is_durable(const struct bt_alertsrc *s);

/* The source as given, for messages (borrowed). */
const char *bt_alertsrc_name(const struct bt_alertsrc *s);

/* Close (a socket's path is removed); accepts NULL. */
void bt_alertsrc_close(struct bt_alertsrc *s);

#endif
