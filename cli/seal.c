/*
 * seal.c - the sealing commands of `btrack log`: make a sealing key
 * (seal-key), seal a closed log (seal), check a log's seals (verify
 * --seal), and the --seal-key/--seal-every options of `btrack record` and
 * `btrack capture`.
 *
 * The chain, the keys and the checks are core/seal.c; this file parses and
 * prints.  The pages are man/btrack-log.1 (commands) and man/btrack-log.5
 * (SEALING: the format and the threat model).  `btrack log verify --seal`
 * exits 0 when every record is proven by a seal, 1 when some are not (no
 * seal after them) but nothing contradicts a seal, 3 when a seal is
 * contradicted (a record changed, added or removed, a forged or foreign
 * seal) or a closed log lost its final seal (truncated).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/log.h"
#include "../core/seal.h"
#include "../core/timefmt.h"
#include "cli.h"
#include "seal.h"

enum { OPT_NEW = 256, OPT_KEY, OPT_SEAL };

static const struct cli_opt seal_opts[] = {
	{ OPT_NEW, "new", "DIR", "seal-key: make a new key in DIR "
	  "(" BT_SEAL_VERIFY_NAME ", " BT_SEAL_STATE_NAME ")" },
	{ OPT_KEY, "key", "FILE", "seal: the sealing state; verify: the "
	  "verification key" },
	{ OPT_SEAL, "seal", NULL, "verify: check the seals too" },
	{ 0, NULL, NULL, NULL }
};

static const struct cli_cmd seal_cmd = {
	"log",
	"log seal-key --new DIR\n"
	"log seal-key FILE\n"
	"log seal --key STATE LOG\n"
	"log verify --seal --key VERIFYKEY LOG",
	"Make a sealing key, seal a log, or verify a log's seals.",
	seal_opts
};

struct args {
	const char *new_dir, *key;
	bool seal;
	const char *ops[3];     /* subcommand, operand */
	int nops;
};

static int opt(void *ctx, int id, const char *val)
{
	struct args *a = ctx;

	switch (id) {
	case OPT_NEW:
		a->new_dir = val;
		return 0;
	case OPT_KEY:
		a->key = val;
		return 0;
	case OPT_SEAL:
		a->seal = true;
		return 0;
	}
	return EXIT_USAGE;
}

bool cmd_log_seal_owns(int argc, char **argv)
{
	const char *sub = NULL;
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (argv[i][0] != '-' && !sub)
			sub = argv[i];
		if (!strcmp(argv[i], "--seal"))
			return sub == NULL || !strcmp(sub, "verify");
	}
	return sub && (!strcmp(sub, "seal") || !strcmp(sub, "seal-key"));
}

static void put_id(FILE *f, const uint8_t *id)
{
	int i;

	for (i = 0; i < BT_SEAL_ID; i++)
		fprintf(f, "%02x", id[i]);
}

static const char *fmt_time(char *buf, uint64_t ns)
{
	bt_time_format(buf, BT_TIME_BUFSZ, ns);
	return buf;
}

static int do_seal_key(const struct args *a)
{
	struct bt_seal_key k;
	uint8_t id[BT_SEAL_ID];
	int r;

	if (a->new_dir) {
		if (a->nops > 1)
			return cli_usage_error(&seal_cmd, "unexpected argument"
					       " '%s'", a->ops[1]);
		r = bt_seal_keys_create(id, a->new_dir);
		if (r)
			return cli_fail(r);
		printf("key ");
		put_id(stdout, id);
		printf("\nverification key: %s/%s  (copy it off this host, "
		       "then delete it here)\nsealing state:    %s/%s\n",
		       a->new_dir, BT_SEAL_VERIFY_NAME, a->new_dir,
		       BT_SEAL_STATE_NAME);
		return cli_close_out(stdout, NULL);
	}
	if (a->nops < 2)
		return cli_usage_error(&seal_cmd, "seal-key wants --new DIR "
				       "or a key FILE");
	if (a->nops > 2)
		return cli_usage_error(&seal_cmd, "unexpected argument '%s'",
				       a->ops[2]);
	/* Show which key a file holds (never the key itself). */
	r = bt_seal_key_load(&k, a->ops[1], true);
	if (r == BT_ECORRUPT) {
		r = bt_seal_key_load(&k, a->ops[1], false);
		if (r == BT_ECORRUPT)
			r = bt_error_set(BT_ECORRUPT, "'%s' is neither a "
					 "sealing state nor a verification key",
					 a->ops[1]);
		if (r)
			return cli_fail(r);
		printf("%s: verification key ", a->ops[1]);
		put_id(stdout, k.id);
		printf("\n");
	} else if (r) {
		return cli_fail(r);
	} else {
		printf("%s: sealing state of key ", a->ops[1]);
		put_id(stdout, k.id);
		printf(", epoch %" PRIu64 "\n", k.epoch);
	}
	bt_seal_key_wipe(&k);
	return cli_close_out(stdout, NULL);
}

static int do_seal(const struct args *a, const char *path)
{
	struct bt_log_writer *w = NULL;
	struct bt_sealer *s = NULL;
	const struct bt_seal *last;
	int r;

	r = bt_log_writer_open(&w, path, BT_LOGW_APPEND);
	if (r)
		return cli_fail(r);
	r = bt_sealer_new(&s, a->key, path, 0);
	if (!r)
		r = bt_sealer_seal(s, w, true);
	if (r) {
		int rc = cli_fail(r);

		bt_sealer_free(s);
		bt_log_writer_close(w);
		return rc;
	}
	last = bt_sealer_last(s);
	r = bt_log_writer_close(w);
	if (r) {
		bt_sealer_free(s);
		return cli_fail(r);
	}
	printf("%s: sealed %" PRIu64 " records (epoch %" PRIu64 ", key ",
	       path, last->records, last->epoch);
	put_id(stdout, last->id);
	printf(")\n");
	bt_sealer_free(s);
	return cli_close_out(stdout, NULL);
}

static int do_verify(const struct args *a, const char *path)
{
	struct bt_log *log = NULL;
	struct bt_seal_key vk;
	struct bt_seal_report rep;
	char t[BT_TIME_BUFSZ];
	int r, rc = EXIT_OK;

	r = bt_seal_key_load(&vk, a->key, false);
	if (r)
		return cli_fail(r);
	r = bt_log_open(&log, path);
	if (r) {
		bt_seal_key_wipe(&vk);
		return cli_fail(r);
	}
	if (bt_log_warning(log))
		cli_warn("'%s': %s", path, bt_log_warning(log));
	r = bt_seal_verify(log, &vk, bt_time_now(), &rep);
	bt_seal_key_wipe(&vk);
	bt_log_close(log);
	if (r) {
		cli_error("'%s': %s", path, bt_error_msg());
		if (rep.seals)
			cli_note("'%s': records 1 to %" PRIu64 " were proven "
				 "by the seals before it", path, rep.proven);
		return cli_exit_code(r);
	}
	printf("%s: %" PRIu64 " records, %" PRIu64 " seals\n", path,
	       rep.records, rep.seals);
	if (!rep.seals) {
		printf("%s: no seal: nothing is proven\n", path);
		rc = EXIT_ERROR;
		goto truncated;
	}
	printf("%s: proven up to record %" PRIu64 " (seal %" PRIu64
	       ", epoch %" PRIu64 ", sealed %s%s)\n", path, rep.proven,
	       rep.seals, rep.last.epoch, fmt_time(t, rep.last.time),
	       rep.last.flags & BT_SEALF_FINAL ? ", final" : "");
	if (rep.seals > 1)
		printf("%s: the first seal covers %" PRIu64 " records, "
		       "sealed %s\n", path, rep.first.records,
		       fmt_time(t, rep.first.time));
	if (rep.unproven) {
		printf("%s: %" PRIu64 " record(s) after record %" PRIu64
		       " are not proven (no seal after them)\n", path,
		       rep.unproven, rep.proven);
		rc = EXIT_ERROR;
	}
truncated:
	if (rep.truncated) {
		printf("%s: truncated: the file ends before its committed "
		       "length, or the log is closed but its last seal is "
		       "not final: records or the final seal after record %"
		       PRIu64 " were removed\n", path, rep.proven);
		rc = EXIT_CORRUPT;
	} else if (!rep.closed) {
		printf("%s: not closed (being written, or its writer was "
		       "stopped)\n", path);
	}
	if (rc == EXIT_OK && rep.seals)
		printf("%s: every record is proven\n", path);
	if (cli_close_out(stdout, NULL))
		return EXIT_ERROR;
	return rc;
}

int cmd_log_seal(int argc, char **argv)
{
	struct args a = { 0 };
	const char *sub;
	int first, r;

	/* Options and operands mix, as in cmd_log(). */
	while (argc > 0) {
		r = cli_parse(&seal_cmd, argc, argv, opt, &a, &first);
		if (r)
			return r < 0 ? EXIT_OK : r;
		if (first >= argc)
			break;
		if (first > 0 && !strcmp(argv[first - 1], "--"))
			first--;
		if (!strcmp(argv[first], "--")) {
			for (first++; first < argc; first++) {
				if (a.nops == 3)
					return cli_usage_error(&seal_cmd,
						"unexpected argument '%s'",
						argv[first]);
				a.ops[a.nops++] = argv[first];
			}
			break;
		}
		if (a.nops == 3)
			return cli_usage_error(&seal_cmd, "unexpected argument"
					       " '%s'", argv[first]);
		a.ops[a.nops++] = argv[first];
		argc -= first;
		argv += first;
	}
	if (a.nops == 0)
		return cli_usage_error(&seal_cmd, "missing subcommand");
	sub = a.ops[0];
	if (!strcmp(sub, "seal-key")) {
		if (a.key || a.seal)
			return cli_usage_error(&seal_cmd, "seal-key takes "
					       "--new DIR or a FILE");
		return do_seal_key(&a);
	}
	if (strcmp(sub, "seal") && strcmp(sub, "verify"))
		return cli_usage_error(&seal_cmd, "unknown subcommand '%s'",
				       sub);
	if (a.new_dir)
		return cli_usage_error(&seal_cmd, "--new is for 'log "
				       "seal-key'");
	if (!strcmp(sub, "seal") && a.seal)
		return cli_usage_error(&seal_cmd, "--seal is for 'log "
				       "verify'");
	if (!a.key)
		return cli_usage_error(&seal_cmd, "%s wants --key %s", sub,
				       strcmp(sub, "seal") ? "VERIFYKEY" :
				       "STATE");
	if (a.nops < 2)
		return cli_usage_error(&seal_cmd, "missing LOG");
	if (a.nops > 2)
		return cli_usage_error(&seal_cmd, "unexpected argument '%s'",
				       a.ops[2]);
	if (!strcmp(sub, "seal"))
		return do_seal(&a, a.ops[1]);
	return do_verify(&a, a.ops[1]);
}

/* ---- record and capture ------------------------------------------------ */

int cli_seal_every(const struct cli_cmd *cmd, struct cli_seal *c,
		   const char *val)
{
	unsigned long long v, mult = 1;
	char *end;

	errno = 0;
	v = strtoull(val, &end, 10);
	if (!errno && end != val && val[0] != '-') {
		if (!strcmp(end, "") || !strcmp(end, "s"))
			mult = 1;
		else if (!strcmp(end, "m"))
			mult = 60;
		else if (!strcmp(end, "h"))
			mult = 3600;
		else if (!strcmp(end, "d"))
			mult = 86400;
		else
			mult = 0;
	}
	/* at most a year: keeps the product far from overflow */
	if (errno || end == val || val[0] == '-' || !mult || v == 0 ||
	    v > 366ULL * 86400 / mult)
		return cli_usage_error(cmd, "--seal-every '%s': not a "
				       "duration (90, 90s, 15m, 1h, 1d)", val);
	c->every_ns = v * mult * 1000000000ULL;
	return 0;
}

int cli_seal_check(const struct cli_cmd *cmd, const struct cli_seal *c)
{
	struct bt_seal_key k;
	int r;

	if (!c->state && c->every_ns)
		return cli_usage_error(cmd, "--seal-every needs --seal-key");
	if (!c->state)
		return 0;
	r = bt_seal_key_load(&k, c->state, true);
	bt_seal_key_wipe(&k);
	return r ? cli_fail(r) : 0;
}

int cli_seal_start(struct cli_seal *c, struct bt_log_writer *w,
		   const char *log_path)
{
	int r;

	if (!c->state)
		return 0;
	/* The sealer reads back the file w writes: a new log's temporary
	 * file until the close renames it onto log_path (the seals are made
	 * before the close). */
	(void)log_path;
	r = bt_sealer_new(&c->sealer, c->state, bt_log_writer_file(w),
			  c->every_ns);
	return r ? cli_fail(r) : 0;
}

void cli_seal_tick(struct cli_seal *c, struct bt_log_writer *w)
{
	if (c->sealer)
		bt_sealer_tick(c->sealer, w, bt_time_now());
}

int cli_seal_finish(struct cli_seal *c, struct bt_log_writer *w)
{
	const char *msg;
	int r, rc = EXIT_OK;

	if (!c->sealer)
		return EXIT_OK;
	if (bt_sealer_error(c->sealer, &msg)) {
		cli_error("periodic sealing stopped: %s", msg);
		rc = EXIT_ERROR;
	}
	r = bt_sealer_seal(c->sealer, w, true);
	if (r) {
		cli_error("cannot seal the log: %s", bt_error_msg());
		rc = EXIT_ERROR;
	} else {
		cli_note("sealed the log (%" PRIu64 " seal(s), last epoch %"
			 PRIu64 ")", bt_sealer_count(c->sealer),
			 bt_sealer_last(c->sealer)->epoch);
	}
	cli_seal_release(c);
	return rc;
}

void cli_seal_release(struct cli_seal *c)
{
	if (!c)
		return;
	bt_sealer_free(c->sealer);
	c->sealer = NULL;
}
