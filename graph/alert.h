/*
 * alert.h - detection points from IDS output.
 *
 * Reads Falco's JSON alerts and a simple generic JSON form, one or many
 * per file (JSON Lines, one JSON array, or a single object):
 *
 *   Falco:   {"time": "RFC 3339", "rule": "...", "output_fields":
 *             {"fd.name": "/etc/shadow", "proc.pid": 1234,
 *              "proc.exepath": "/usr/bin/x", "evt.time": NS}}
 *            -> "file:FD.NAME" when fd.name is a path, otherwise
 *               "proc:PID@TIME" (proc.pid at the alert's time)
 *   generic: {"object": "file:/x", "time": "RFC 3339" | NS}
 *
 * The alert's time (Falco: "time", else output_fields."evt.time"; generic:
 * "time") becomes the detection point's threshold (--until).  Parsed with
 * jansson; the bytes are untrusted: a bad alert is BT_ECORRUPT naming the
 * file and line (or array index).  This module never prints.
 */
#ifndef BT_ALERT_H
#define BT_ALERT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct bt_alert {
	char spec[4200];     /* a detection point for bt_spec_resolve() */
	uint64_t time;       /* ns since the epoch, or BT_TIME_NONE */
	char rule[256];      /* Falco's rule name, or "" */
	uint64_t where;      /* line number (JSON Lines) or array index + 1 */
};

/*
 * Read every alert in `in` (`name` is for messages).  *out is an array of
 * *n alerts owned by the caller (free()).  An input with no alert is
 * BT_EINVAL.
 */
int bt_alert_read(struct bt_alert **out, size_t *n, FILE *in,
		  const char *name);

#endif
