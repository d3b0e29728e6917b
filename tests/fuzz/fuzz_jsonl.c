/*
 * fuzz_jsonl.c - libFuzzer target for the JSONL importer: the input is
 * split into lines, each parsed with bt_jsonl_parse() and, when accepted,
 * ingested into a real log in a temporary file.  Oracles: no crash or
 * sanitizer report; ingest rejects only with BT_EINVAL and then leaves
 * the log as it was (nothing appended, nothing half); and the log it
 * wrote must read back without corruption (every event's objects defined,
 * kinds fitting the op, aux naming a region).
 *
 * Seeds worth giving it: the lines of tests/check_ingest.c and
 * tests/check_jsonl.c (every op, the symlink/chmod/chown/setid/pipe
 * fields, descriptor paths, inode reuse; mem_write and mem_read with
 * peer, peer_start and /proc/PID/mem paths).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../capture/jsonl.h"
#include "../../core/error.h"
#include "../../core/ingest.h"
#include "../../core/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* tmpfs when there is one: preallocating on a disk per input is
	 * what would bound the speed of the run. */
	char path[] = "/dev/shm/fuzz_jsonl.XXXXXX";
	struct bt_log_writer *w = NULL;
	struct bt_ingest *ing = NULL;
	struct bt_jsonl_line *l = NULL;
	struct bt_log *log = NULL;
	struct bt_log_stats st;
	struct bt_obs o;
	const char *p = (const char *)data, *end = p + size;
	int fd = mkstemp(path), r;

	if (fd < 0) {
		memcpy(path, "/tmp/fuzz_jsonl.XXXXXX", sizeof(path) - 4);
		path[sizeof("/tmp/fuzz_jsonl.XXXXXX") - 1] = '\0';
		fd = mkstemp(path);
	}
	if (fd < 0)
		return 0;
	close(fd);
	/* INPLACE: the temporary file itself, so that the abort below
	 * leaves it (a CREATE writer otherwise writes a file of its own and
	 * removes it on abort: every input failed the reopen). */
	if (bt_log_writer_open(&w, path, BT_LOGW_CREATE | BT_LOGW_TRUNC |
			       BT_LOGW_INPLACE) ||
	    bt_ingest_new(&ing, w) || bt_jsonl_line_new(&l))
		abort();
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (bt_jsonl_parse(l, p, n, &o) == 0) {
			uint64_t before = bt_log_writer_size(w);
			uint32_t objs = bt_log_writer_objects(w);

			r = bt_ingest_add(ing, &o);
			if (r && r != BT_EINVAL)
				abort();
			if (r && (bt_log_writer_size(w) != before ||
				  bt_log_writer_objects(w) != objs))
				abort();
		}
		p += n + 1;
	}
	bt_jsonl_line_free(l);
	bt_ingest_free(ing);
	/* Abort, not close: close fsyncs, which would cap the run at a few
	 * hundred inputs a second; what was committed reads the same. */
	bt_log_writer_abort(w);
	if (bt_log_open(&log, path))
		abort();
	if (bt_log_stats(log, &st))
		abort();
	bt_log_close(log);
	unlink(path);
	return 0;
}
