/*
 * fuzz_auditd.c - libFuzzer target for the audit log parser: the input is
 * split into lines and fed through bt_auditd_line() (the record layer,
 * then the semantics) into a real log in a temporary file, which must then
 * verify.  Seeds: tests/fuzz/seed-auditd.sh; dictionary: fuzz_auditd.dict.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../capture/auditd.h"
#include "../../core/ingest.h"
#include "../../core/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* tmpfs when there is one: the log is written and synced per run */
	char path[] = "/dev/shm/fuzz_auditd.XXXXXX";
	struct bt_log_writer *w = NULL;
	struct bt_ingest *ing = NULL;
	struct bt_auditd *a = NULL;
	struct bt_log *l = NULL;
	struct bt_log_stats st;
	const char *p = (const char *)data, *end = p + size;
	uint64_t lineno = 0;
	int fd = mkstemp(path);

	if (fd < 0) {
		memcpy(path, "/tmp/fuzz_auditd.XXXXXX",
		       sizeof("/tmp/fuzz_auditd.XXXXXX"));
		fd = mkstemp(path);
	}
	if (fd < 0)
		return 0;
	close(fd);
	if (bt_log_writer_open(&w, path, BT_LOGW_CREATE | BT_LOGW_TRUNC) ||
	    bt_ingest_new(&ing, w) || bt_auditd_new(&a, bt_ingest_sink(ing)))
		abort();
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		(void)bt_auditd_line(a, p, n, "fuzz", ++lineno);
		p += n + 1;
	}
	(void)bt_auditd_finish(a);
	bt_auditd_free(a);
	bt_ingest_free(ing);
	if (bt_log_writer_close(w))
		abort();
	if (bt_log_open(&l, path) || bt_log_stats(l, &st))
		abort();  /* what the importer wrote must always verify */
	bt_log_close(l);
	unlink(path);
	return 0;
}
