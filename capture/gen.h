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

#include "../core/log.h"

struct bt_gen_opts {
	uint64_t events;    /* about this many events */
	uint64_t seed;
	uint64_t start;     /* ns since the epoch of the first event */
};

struct bt_gen_info {
	uint64_t events;
	uint64_t objects;
	char detection[256];  /* a spec: "file:/..." */
	char entry[128];      /* the planted entry point's endpoint address */
};

int bt_gen(struct bt_log_writer *w, const struct bt_gen_opts *o,
	   struct bt_gen_info *out);

#endif
