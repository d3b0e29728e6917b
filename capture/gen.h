/*
 * gen.h - synthetic logs with realistic shapes, for the benchmark and for
 * tests at scale.
 *
 * A generated log has process trees (fork, exec of a few binaries), many
 * files read and written, shared libraries read by everyone, hot shared
 * pages written and read through mappings, and one planted attack chain: a
 * remote endpoint -> a process that receives from it -> a dropped script
 * file -> a process that executes it -> a shared page it writes -> a
 * process that reads that page -> the detection file it writes.  Events are
 * written straight through the log writer (no per-event allocation), in
 * time order, deterministic for a seed.
 */
#ifndef BT_GEN_H
#define BT_GEN_H

#include <stdint.h>
#include <stdio.h>

#include "../core/log.h"

struct bt_gen_opts {
	uint64_t events;    /* about this many events */
	uint64_t seed;
	uint64_t start;     /* ns since the epoch of the first event */
	/*
	 * A planted connection between two generated hosts, each
	 * "REMOTE,LOCAL" (addresses "IP:PORT"; NULL: none), for a case of
	 * two logs joined by one connection (btrack-db(5)):
	 * send_to: after writing the detection file, its writer connects
	 * to REMOTE from LOCAL and sends it;
	 * recv_from: the attack enters through a connection from REMOTE,
	 * accepted on LOCAL, instead of 203.0.113.66:4444, at 65 % of the
	 * events (where a send_to log of as many events sends), and the
	 * detection file is /var/tmp/.x/received.
	 */
	const char *send_to, *recv_from;
};

struct bt_gen_info {
	uint64_t events;
	uint64_t objects;
	char detection[256];  /* a spec: "file:/..." */
	char entry[128];      /* the planted entry point's endpoint address */
};

int bt_gen(struct bt_log_writer *w, const struct bt_gen_opts *o,
	   struct bt_gen_info *out);

/*
 * Write the observations behind the log at `path` as JSON Lines, the
 * `btrack import` format (capture/jsonl.h, man/btrack-import.1), so the
 * importer can be exercised and measured at scale: importing the output
 * gives an equivalent log.  One line per event, except what ingest derives
 * again by itself (LOOKUP events; the MMAP_WRITE of a mapping, whose mmap
 * line says "rw"); a rename's two events make one line; an "exit" line
 * comes before a pid is reused.  Meant for generated logs; for others,
 * files seen under no path are named "/unknown/<id>".  *out_lines (may be
 * NULL) gets the number of lines.  BT_EIO when `out` fails, the reader's
 * errors (BT_ECORRUPT, ...) for a bad log, BT_ENOMEM.
 */
int bt_gen_jsonl(FILE *out, const char *path, uint64_t *out_lines);

#endif
