/*
 * cmd-log.c - `btrack log`: show a log's summary (info), validate it in
 * full (verify), print its records one per line (dump), rewrite it in
 * the current format (upgrade), or write the index beside it (index).
 *
 * Reading and validation are core/log.c; this file only formats.  Every
 * string from the log is escaped on output (C escapes, \xHH for anything not
 * printable ASCII), so a recorded path with a newline or terminal escape
 * codes cannot forge a line or drive the terminal.  A corrupt log exits 3
 * with the byte offset in the message.  The page is man/btrack-log.1; the
 * format man/btrack-log.5.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/log.h"
#include "../core/timefmt.h"
#include "../graph/index.h"
#include "cli.h"
#include "seal.h"

enum { OPT_FROM = 256, OPT_LIMIT, OPT_FORCE };

static const struct cli_opt log_opts[] = {
	{ OPT_FROM, "from-offset", "N",
	  "dump: start at the first record at or after byte offset N" },
	{ OPT_LIMIT, "limit", "N", "dump: print at most N records" },
	{ 'o', "output", "OUT", "upgrade: the new log; index: the index "
	  "(default LOG.btx)" },
	{ OPT_FORCE, "force", NULL, "upgrade: replace OUT if it exists" },
	{ 0, NULL, NULL, NULL }
};

static const struct cli_cmd log_cmd = {
	"log",
	"log info LOG\n"
	"log verify LOG\n"
	"log dump LOG [--from-offset N] [--limit N]\n"
	"log upgrade LOG -o OUT [--force]\n"
	"log index LOG [-o OUT]\n"
	"log seal-key --new DIR\n"
	"log seal --key STATE LOG\n"
	"log verify --seal --key VERIFYKEY LOG",
	"Show a log's summary, validate it, print its records, rewrite it in "
	"the current format, write its index, or seal it.",
	log_opts
};

struct log_args {
	uint64_t from;
	uint64_t limit;
	int have_limit;
	const char *out;
	int force;
	const char *ops[4];   /* operands: subcommand, LOG */
	int nops;
};

static int opt(void *ctx, int id, const char *val)
{
	struct log_args *a = ctx;

	switch (id) {
	case OPT_FROM:
		return cli_u64(&log_cmd, "--from-offset", val, &a->from);
	case OPT_LIMIT:
		a->have_limit = 1;
		return cli_u64(&log_cmd, "--limit", val, &a->limit);
	case 'o':
		a->out = val;
		return 0;
	case OPT_FORCE:
		a->force = 1;
		return 0;
	}
	return EXIT_USAGE;
}

/* Print len bytes in double quotes, shown by the display rule
 * (core/display.h), a double quote in them as \" so the quotes stay the
 * string's ends (the rule writes every backslash as \\). */
static void put_escaped(FILE *f, const char *s, size_t len)
{
	const char *q;

	fputc('"', f);
	while ((q = memchr(s, '"', len))) {
		cli_put_shownn(f, s, (size_t)(q - s));
		fputs("\\\"", f);
		len -= (size_t)(q - s) + 1;
		s = q + 1;
	}
	cli_put_shownn(f, s, len);
	fputc('"', f);
}

static void put_str(FILE *f, const char *name, const struct bt_rec_str *s)
{
	fprintf(f, " %s=", name);
	put_escaped(f, s->s, s->len);
}

static const char *fmt_time(char *buf, uint64_t ns)
{
	bt_time_format(buf, BT_TIME_BUFSZ, ns);
	return buf;
}

static const char *label_name(uint32_t key)
{
	static const char *const n[] = { NULL, "exe", "argv", "comm", "path",
					 "cred", "cgroup", "local" };

	return key < sizeof(n) / sizeof(n[0]) && n[key] ? n[key] : "?";
}

static const char *note_name(uint32_t key)
{
	static const char *const n[] = { NULL, "source", "drops", "text" };

	return key < sizeof(n) / sizeof(n[0]) && n[key] ? n[key] : "?";
}

/* One record, one line.  `kinds` is the iterator's table (validated). */
static void dump_record(FILE *f, uint64_t off, const struct bt_rec_head *h,
			const uint8_t *kinds)
{
	char t[BT_TIME_BUFSZ];

	fprintf(f, "%" PRIu64 " ", off);
	switch (h->type) {
	case BT_REC_EVENT: {
		const struct bt_rec_event *e = (const void *)h;

		fprintf(f, "event %s time=%s cause=%u(%s) effect=%u(%s) "
			"aux=%u flags=0x%x", bt_op_name(e->op),
			fmt_time(t, e->time), e->cause,
			bt_kind_name(kinds[e->cause]), e->effect,
			bt_kind_name(kinds[e->effect]), e->aux, e->flags);
		break;
	}
	case BT_REC_PROCESS: {
		const struct bt_rec_process *p = (const void *)h;

		fprintf(f, "process id=%u pid=%u start=%s ppid=%u uid=%d",
			p->id, p->pid, fmt_time(t, p->start), p->ppid,
			(int)p->uid);
		break;
	}
	case BT_REC_FILE: {
		const struct bt_rec_file *r = (const void *)h;

		fprintf(f, "file id=%u dev=%" PRIu64 " ino=%" PRIu64
			" flags=0x%x", r->id, (uint64_t)r->dev,
			(uint64_t)r->ino, r->flags);
		break;
	}
	case BT_REC_FILENAME: {
		const struct bt_rec_filename *r = (const void *)h;

		fprintf(f, "filename id=%u", r->id);
		put_str(f, "path", &r->path);
		break;
	}
	case BT_REC_PAGE: {
		const struct bt_rec_page *r = (const void *)h;

		fprintf(f, "page id=%u file=%u index=%" PRIu64, r->id, r->file,
			(uint64_t)r->index);
		break;
	}
	case BT_REC_ENDPOINT: {
		const struct bt_rec_endpoint *r = (const void *)h;

		fprintf(f, "endpoint id=%u", r->id);
		put_str(f, "addr", &r->addr);
		break;
	}
	case BT_REC_REGION: {
		const struct bt_rec_region *r = (const void *)h;

		fprintf(f, "region id=%u file=%u process=%u prot=%s%s%s "
			"first=%" PRIu64 " count=%" PRIu64, r->id, r->file,
			r->process, r->prot & BT_PROT_READ ? "r" : "-",
			r->prot & BT_PROT_WRITE ? "w" : "-",
			r->prot & BT_PROT_SHARED ? "s" : "p",
			(uint64_t)r->first, (uint64_t)r->count);
		break;
	}
	case BT_REC_LABEL: {
		const struct bt_rec_label *r = (const void *)h;

		fprintf(f, "label object=%u(%s) key=%s time=%s", r->object,
			bt_kind_name(kinds[r->object]), label_name(r->key),
			fmt_time(t, r->time));
		put_str(f, "value", &r->value);
		break;
	}
	case BT_REC_NOTE: {
		const struct bt_rec_note *r = (const void *)h;

		fprintf(f, "note key=%s time=%s", note_name(r->key),
			fmt_time(t, r->time));
		put_str(f, "text", &r->text);
		break;
	}
	case BT_REC_SEAL:
		fprintf(f, "seal bytes=%u",
			((const struct bt_rec_seal *)h)->len);
		break;
	}
	fputc('\n', f);
}

static int do_dump(struct bt_log *log, const struct log_args *a)
{
	struct bt_log_iter it;
	const struct bt_rec_head *h;
	uint64_t n = 0, off;
	int r;

	bt_log_iter_init(&it, log);
	for (;;) {
		off = it.off;
		r = bt_log_next(&it, &h);
		if (r != 1)
			break;
		if (off < a->from)
			continue;
		if (a->have_limit && n >= a->limit)
			break;
		dump_record(stdout, off, h, it.kinds);
		n++;
	}
	bt_log_iter_release(&it);
	if (r < 0)
		return cli_fail(r);
	return cli_close_out(stdout, NULL);
}

/* Notes ("source", "drops"), escaped, for info: gathered into a memory
 * stream during bt_log_stats_notes()'s pass, printed after the counts. */
static int note_line(void *arg, const struct bt_rec_note *n)
{
	FILE *f = arg;

	fprintf(f, "note:       %s ", note_name(n->key));
	put_escaped(f, n->text.s, n->text.len);
	putc('\n', f);
	return ferror(f) ? bt_error_set(BT_ENOMEM, "out of memory") : 0;
}

static int do_info(struct bt_log *log, const char *path)
{
	const struct bt_log_header *hd = bt_log_header(log);
	struct bt_log_stats st;
	char t[BT_TIME_BUFSZ];
	char *notes = NULL;
	size_t nlen = 0;
	unsigned k, op;
	FILE *nf;
	int r;

	printf("log:        ");
	put_escaped(stdout, path, strlen(path));
	printf("\nformat:     version %u\n", hd->version);
	printf("flags:      0x%x%s%s\n", hd->flags,
	       hd->flags & BT_LOGF_CLOSED ? " closed" : " open-or-crashed",
	       hd->flags & BT_LOGF_OBJ_LEVEL ? " object-level" : "");
	printf("created:    %s\n", fmt_time(t, hd->created));
	printf("committed:  %" PRIu64 " bytes\n", (uint64_t)hd->committed);
	printf("file size:  %" PRIu64 " bytes\n", bt_log_file_size(log));
	if (bt_log_version(log) >= 2)
		printf("blocks:     %" PRIu32 " of at most %" PRIu32
		       " bytes, checksummed\n", bt_log_blocks(log),
		       hd->block_size);
	if (bt_log_warning(log))
		printf("warning:    %s\n", bt_log_warning(log));
	if (!(nf = open_memstream(&notes, &nlen))) {
		fflush(stdout);
		return cli_fail(bt_error_set(BT_ENOMEM, "out of memory"));
	}
	r = bt_log_stats_notes(log, &st, note_line, nf);
	if (fclose(nf) && !r)
		r = bt_error_set(BT_ENOMEM, "out of memory");
	if (r) {
		free(notes);
		fflush(stdout);
		return cli_fail(r);
	}
	printf("records:    %" PRIu64 "\n", st.records);
	printf("events:     %" PRIu64 "\n", st.events);
	if (st.events)
		printf("bytes/event: %.1f (all records)\n",
		       (double)st.bytes / (double)st.events);
	printf("objects:    %" PRIu64 "\n", st.objects);
	for (k = BT_OBJ_PROCESS; k <= BT_OBJ_REGION; k++)
		if (st.by_type[k])
			printf("  %-12s %" PRIu64 "\n", bt_kind_name(k),
			       st.by_type[k]);
	if (st.events) {
		printf("events by op:\n");
		for (op = 1; op <= BT_OP_MAX; op++)
			if (st.by_op[op])
				printf("  %-12s %" PRIu64 "\n", bt_op_name(op),
				       st.by_op[op]);
		printf("first:      %s\n", fmt_time(t, st.first_time));
		printf("last:       %s\n", fmt_time(t, st.last_time));
	}
	printf("labels:     %" PRIu64 "\n", st.by_type[BT_REC_LABEL]);
	printf("notes:      %" PRIu64 "\n", st.by_type[BT_REC_NOTE]);
	fwrite(notes, 1, nlen, stdout);
	free(notes);
	return cli_close_out(stdout, NULL);
}

static int do_verify(struct bt_log *log, const char *path)
{
	struct bt_log_stats st;
	int r = bt_log_verify(log, &st);

	if (r)
		return cli_fail(r);
	printf("%s: ok, %" PRIu64 " records\n", path, st.records);
	return cli_close_out(stdout, NULL);
}

static int do_upgrade(struct bt_log *log, const char *path,
		      const struct log_args *a)
{
	struct bt_log_stats st;
	int r;

	r = bt_log_upgrade(log, a->out, a->force ? BT_LOGW_TRUNC : 0, &st);
	if (r)
		return cli_fail(r);
	cli_note("upgraded '%s' (format version %u, %" PRIu64 " bytes) to "
		 "'%s' (version %u, %" PRIu64 " bytes): %" PRIu64 " records, "
		 "the same", path, bt_log_version(log),
		 bt_log_file_end(log), a->out, (unsigned)BT_LOG_VERSION,
		 st.bytes + BT_LOG_HEADER_SIZE, st.records);
	return EXIT_OK;
}

/* The index is built from the path (it opens the log itself). */
static int do_index(const char *path, const struct log_args *a)
{
	struct bt_index_stats st;
	char def[4096];
	const char *out = a->out;
	int r;

	if (!out) {
		snprintf(def, sizeof(def), "%s%s", path, BT_INDEX_SUFFIX);
		out = def;
	}
	r = bt_index_build(path, out, cli_progress, (void *)"indexing", &st);
	cli_progress_done();
	if (r)
		return cli_fail(r);
	cli_note("indexed '%s' (%" PRIu64 " events, %" PRIu64 " objects) "
		 "into '%s': %" PRIu64 " bytes (%.1f per event) in %.1f s",
		 path, st.events, st.objects, out, st.bytes,
		 st.events ? (double)st.bytes / (double)st.events : 0.0,
		 st.seconds);
	return EXIT_OK;
}

int cmd_log(int argc, char **argv)
{
	struct log_args a = { 0 };
	struct bt_log *log = NULL;
	const char *sub, *path;
	int first, r;

	if (cmd_log_seal_owns(argc, argv))   /* cli/seal.c */
		return cmd_log_seal(argc, argv);
	/* Operands and options may mix ("dump LOG --limit 3"): cli_parse
	 * stops at each operand, so take it and parse on from there. */
	while (argc > 0) {
		r = cli_parse(&log_cmd, argc, argv, opt, &a, &first);
		if (r)
			return r < 0 ? EXIT_OK : r;
		if (first >= argc)
			break;
		if (first > 0 && !strcmp(argv[first - 1], "--"))
			first--;   /* let the loop see the rest as operands */
		if (a.nops == (int)(sizeof(a.ops) / sizeof(a.ops[0])))
			return cli_usage_error(&log_cmd, "unexpected argument "
					       "'%s'", argv[first]);
		if (!strcmp(argv[first], "--")) {
			for (first++; first < argc; first++) {
				if (a.nops == 4)
					return cli_usage_error(&log_cmd,
						"unexpected argument '%s'",
						argv[first]);
				a.ops[a.nops++] = argv[first];
			}
			break;
		}
		a.ops[a.nops++] = argv[first];
		argc -= first;
		argv += first;
	}
	if (a.nops == 0)
		return cli_usage_error(&log_cmd, "missing subcommand (info, "
				       "verify, dump, upgrade or index)");
	sub = a.ops[0];
	if (strcmp(sub, "info") && strcmp(sub, "verify") &&
	    strcmp(sub, "dump") && strcmp(sub, "upgrade") &&
	    strcmp(sub, "index"))
		return cli_usage_error(&log_cmd, "unknown subcommand '%s'", sub);
	if (a.nops < 2)
		return cli_usage_error(&log_cmd, "missing LOG");
	if (a.nops > 2)
		return cli_usage_error(&log_cmd, "unexpected argument '%s'",
				       a.ops[2]);
	if (strcmp(sub, "dump") && (a.from || a.have_limit))
		return cli_usage_error(&log_cmd, "--from-offset and --limit "
				       "are for 'log dump'");
	if (strcmp(sub, "upgrade") && a.force)
		return cli_usage_error(&log_cmd, "--force is for 'log "
				       "upgrade'");
	if (strcmp(sub, "upgrade") && strcmp(sub, "index") && a.out)
		return cli_usage_error(&log_cmd, "-o is for 'log upgrade' and "
				       "'log index'");
	if (!strcmp(sub, "upgrade") && !a.out)
		return cli_usage_error(&log_cmd, "upgrade: missing -o OUT");
	path = a.ops[1];
	if (!strcmp(sub, "index"))
		return do_index(path, &a);
	r = bt_log_open(&log, path);
	if (r)
		return cli_fail(r);
	if (bt_log_warning(log) && strcmp(sub, "info"))
		cli_warn("'%s': %s", path, bt_log_warning(log));
	if (!strcmp(sub, "info"))
		r = do_info(log, path);
	else if (!strcmp(sub, "verify"))
		r = do_verify(log, path);
	else if (!strcmp(sub, "upgrade"))
		r = do_upgrade(log, path, &a);
	else
		r = do_dump(log, &a);
	bt_log_close(log);
	return r;
}
