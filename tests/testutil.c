/*
 * testutil.c - see testutil.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../capture/jsonl.h"
#include "../core/ingest.h"
#include "../core/log.h"
#include "testutil.h"

static char tmpdir[256];
static pid_t owner;

static void cleanup(void)
{
	char cmd[300];

	/* Only the process that made it removes it (Check forks). */
	if (tmpdir[0] && getpid() == owner) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", tmpdir);
	}
}

const char *tu_tmpdir(void)
{
	if (!tmpdir[0]) {
		const char *base = getenv("TMPDIR");

		snprintf(tmpdir, sizeof(tmpdir), "%s/bttest.XXXXXX",
			 base ? base : "/tmp");
		if (!mkdtemp(tmpdir)) {
			perror("mkdtemp");
			exit(1);
		}
		owner = getpid();
		atexit(cleanup);
	}
	return tmpdir;
}

const char *tu_path(const char *name)
{
	static char bufs[8][512];
	static int next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s/%s", tu_tmpdir(), name);
	return b;
}

void *tu_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (!f)
		return NULL;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			if (!buf)
				break;
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	if (buf)
		buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

int tu_write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(data, 1, len, f) == len;
	ok &= fclose(f) == 0;
	return ok ? 0 : -1;
}

int tu_log_from_jsonl(const char *path, const char *jsonl)
{
	struct bt_log_writer *w = NULL;
	struct bt_ingest *ing = NULL;
	struct bt_jsonl_stats st;
	FILE *in;
	int r;

	in = fmemopen((void *)jsonl, strlen(jsonl), "r");
	if (!in)
		return -1;
	r = bt_log_writer_open(&w, path, BT_LOGW_CREATE | BT_LOGW_TRUNC);
	if (!r)
		r = bt_ingest_new(&ing, w);
	if (!r) {
		struct bt_obs_sink sink = bt_ingest_sink(ing);

		r = bt_jsonl_import_sink(&sink, in, "test.jsonl", 0, &st);
	}
	bt_ingest_free(ing);
	if (r)
		bt_log_writer_abort(w);
	else
		r = bt_log_writer_close(w);
	fclose(in);
	return r;
}

int tu_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
