/*
 * alert.h - detection points from IDS output.
 *
 * Reads Falco's JSON alerts and a simple generic JSON form, one or many
 * per file (JSON Lines, one JSON array, or a single object):
 *
 *   Falco:   {"time": "RFC 3339", "rule": "...", "priority": "Warning",
 *             "output": "...", "output_fields":
 *             {"fd.name": "/etc/shadow", "proc.pid": 1234,
 *              "proc.exepath": "/usr/bin/x", "evt.time": NS,
 *              "fd.rip": "203.0.113.9", "fd.rport": 4444,
 *              "container.id": "..."}}
 *            (Falco's json_output: true, file or program output)
 *            -> "file:FD.NAME" when fd.name is a path, otherwise
 *               "proc:PID@TIME" (proc.pid at the alert's time),
 *               otherwise "endpoint:IP:PORT" from fd.rip/fd.rport,
 *               fd.sip/fd.sport, or the remote end of an fd.name
 *               "A:P->B:P" (IPv6 addresses in brackets)
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
	char priority[32];   /* Falco's priority ("Warning"), or "" */
	char container[72];  /* Falco's container.id, or "" */
	uint64_t where;      /* line number (JSON Lines) or array index + 1 */
};

/*
 * One alert: the JSON object in buf[0..len) (one line of a stream; no NUL
 * needed) into *a.  `name` and `where` (a line number) are for messages.
 * 0, or BT_ECORRUPT naming name:where (bad JSON, no detection point).
 * What `btrack watch` calls for each line it reads.
 */
int bt_alert_parse(struct bt_alert *a, const char *buf, size_t len,
		   const char *name, uint64_t where);

/*
 * Read every alert in `in` (`name` is for messages).  *out is an array of
 * *n alerts owned by the caller (free()).  An input with no alert is
 * BT_EINVAL.
 */
int bt_alert_read(struct bt_alert **out, size_t *n, FILE *in,
		  const char *name);

#endif
