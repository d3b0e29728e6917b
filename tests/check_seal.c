/*
 * check_seal.c - tests for sealing (core/seal.c, man/btrack-log.5
 * SEALING).
 *
 * The payload and key file parsers meet bad input; the key tree is checked
 * against a derivation written here from the specification; a sealed log
 * verifies; and every tampering the threat model names is detected: one
 * record changed (raw bytes, and rebuilt through the writer so no checksum
 * helps) with the seals copied over, a record removed, the log truncated
 * after a seal, every single-bit flip, seals forged or re-made by an
 * attacker holding only the current sealing state.
 */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "../core/error.h"
#include "../core/log.h"
#include "../core/seal.h"
#include "testutil.h"

#define T0 1700000000000000000ull
#define NEV 10          /* events per part */

/* ---- helpers ---------------------------------------------------------- */

static char keys[512], state[600], vkey[600];

static void make_keys(void)
{
	uint8_t id[BT_SEAL_ID];
	int r;
	static int n;
	char name[32];

	/* a new directory each time: also without fork mode */
	snprintf(name, sizeof(name), "keys%d", n++);
	snprintf(keys, sizeof(keys), "%s", tu_path(name));
	snprintf(state, sizeof(state), "%s/%s", keys, BT_SEAL_STATE_NAME);
	snprintf(vkey, sizeof(vkey), "%s/%s", keys, BT_SEAL_VERIFY_NAME);
	r = bt_seal_keys_create(id, keys);
	ck_assert_msg(r == 0, "%s", bt_error_msg());
}

static void load_vk(struct bt_seal_key *vk, const char *path)
{
	int r = bt_seal_key_load(vk, path, false);

	ck_assert_msg(r == 0, "%s", bt_error_msg());
}

/* How to build a log: which event to change or drop, and where its seals
 * come from (made by a sealer with `state`, or copied bytes). */
struct plan {
	int change;                 /* event index whose time changes, -1 */
	int drop;                   /* event index left out, -1 */
	bool one_part;              /* stop after part 1 (and its seal) */
	bool no_close;              /* abort instead of close */
	bool more_after;            /* records after the last seal */
	const uint8_t (*copy)[BT_SEAL_SIZE];  /* seals to copy, or NULL */
	const char *state;          /* sealing state for the sealer */
};

static void add_events(struct bt_log_writer *w, const struct plan *p,
		       int from)
{
	int i, r;

	for (i = from; i < from + NEV; i++) {
		uint64_t t = T0 + (uint64_t)i * 1000;

		if (i == p->drop)
			continue;
		if (i == p->change)
			t += 1;
		r = bt_log_append_event(w, BT_OP_READ, 0, (uint32_t)i, t, 2,
					1);
		ck_assert_msg(r == 0, "%s", bt_error_msg());
	}
	bt_log_writer_commit(w);
}

static void seal_here(struct bt_log_writer *w, struct bt_sealer *s,
		      const struct plan *p, int k, bool final)
{
	int r;

	if (p->copy) {
		r = bt_log_append_seal(w, p->copy[k], BT_SEAL_SIZE);
		bt_log_writer_commit(w);
	} else {
		r = bt_sealer_seal(s, w, final);
	}
	ck_assert_msg(r == 0, "%s", bt_error_msg());
}

/* Objects, NEV events, seal 0, NEV events and a note, seal 1 (final),
 * close. */
static void build(const char *path, const struct plan *p)
{
	struct bt_log_writer *w = NULL;
	struct bt_sealer *s = NULL;
	int r;

	unlink(path);
	r = bt_log_writer_open(&w, path, BT_LOGW_CREATE);
	ck_assert_msg(r == 0, "%s", bt_error_msg());
	if (!p->copy) {
		/* a new log is in its temporary file until the close */
		r = bt_sealer_new(&s, p->state, bt_log_writer_file(w), 0);
		ck_assert_msg(r == 0, "%s", bt_error_msg());
	}
	ck_assert_int_eq(bt_log_append_process(w, 1, 100, T0, 1, 0), 0);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 8, 42), 0);
	ck_assert_int_eq(bt_log_append_filename(w, 3, "/etc/x", 6), 0);
	add_events(w, p, 0);
	seal_here(w, s, p, 0, false);
	if (!p->one_part) {
		add_events(w, p, NEV);
		ck_assert_int_eq(bt_log_append_note(w, BT_NOTE_TEXT, T0,
						    "end", 3), 0);
		seal_here(w, s, p, 1, !p->no_close);
	}
	if (p->more_after)
		add_events(w, p, 2 * NEV);
	bt_sealer_free(s);
	if (p->no_close) {
		/* a writer that stopped without closing: its file at path */
		ck_assert_int_eq(rename(bt_log_writer_file(w), path), 0);
		bt_log_writer_abort(w);
	} else
		ck_assert_int_eq(bt_log_writer_close(w), 0);
}

/* The seal payloads of a log, in order; returns how many. */
static int seals_of(const char *path, uint8_t (*out)[BT_SEAL_SIZE], int max)
{
	struct bt_log *log = NULL;
	struct bt_log_iter it;
	const struct bt_rec_head *h;
	int n = 0;

	ck_assert_int_eq(bt_log_open(&log, path), 0);
	bt_log_iter_init(&it, log);
	while (bt_log_next(&it, &h) == 1) {
		const struct bt_rec_seal *s = (const void *)h;

		if (h->type != BT_REC_SEAL)
			continue;
		ck_assert_int_lt(n, max);
		ck_assert_uint_eq(s->len, BT_SEAL_SIZE);
		memcpy(out[n++], s->data, BT_SEAL_SIZE);
	}
	bt_log_iter_release(&it);
	bt_log_close(log);
	return n;
}

static int verify_path(const char *path, const char *vk_path,
		       struct bt_seal_report *rep)
{
	struct bt_seal_key vk;
	struct bt_log *log = NULL;
	int r;

	load_vk(&vk, vk_path);
	r = bt_log_open(&log, path);
	if (r)
		return r;
	r = bt_seal_verify(log, &vk, T0 * 2, rep);
	bt_log_close(log);
	return r;
}

/* Everything proven: what a user checks with exit 0. */
static bool all_proven(int r, const struct bt_seal_report *rep)
{
	return r == 0 && rep->seals > 0 && rep->proven == rep->records &&
	       rep->unproven == 0 && !rep->truncated;
}

/* ---- the key tree, written again from the specification --------------- */

static void hm(uint8_t *out, const uint8_t *key, const char *label)
{
	uint8_t t[32];
	unsigned n = 32;

	ck_assert_ptr_nonnull(HMAC(EVP_sha256(), key, 32,
				   (const uint8_t *)label, strlen(label), t,
				   &n));
	memcpy(out, t, 32);
}

/* E_e from K_0, the slow obvious way. */
static void leaf(uint8_t *out, const uint8_t *k0, uint64_t e)
{
	uint64_t a = e / 65536, b = e / 256 % 256, c = e % 256, i;
	uint8_t x[32];

	memcpy(x, k0, 32);
	for (i = 0; i < a; i++)
		hm(x, x, "btrack-seal-next");
	hm(x, x, "btrack-seal-down");
	for (i = 0; i < b; i++)
		hm(x, x, "btrack-seal-next");
	hm(x, x, "btrack-seal-down");
	for (i = 0; i < c; i++)
		hm(x, x, "btrack-seal-next");
	memcpy(out, x, 32);
}

/* K_0 from a verification key file (the last line, in hex). */
static void read_k0(uint8_t *k0, const char *path)
{
	size_t len, i;
	char *text = tu_read_file(path, &len);
	const char *p;

	ck_assert_ptr_nonnull(text);
	p = strstr(text, "\nkey ");
	ck_assert_ptr_nonnull(p);
	p += 5;
	for (i = 0; i < 32; i++) {
		unsigned v;

		ck_assert_int_eq(sscanf(p + 2 * i, "%2x", &v), 1);
		k0[i] = (uint8_t)v;
	}
	free(text);
}

/* A seal as an attacker would tag it with a key E they hold. */
static void forge(uint8_t *out, struct bt_seal *s, const uint8_t *e)
{
	uint8_t t[32];
	unsigned n = 32;

	bt_seal_encode(out, s);
	hm(t, e, "btrack-seal-tag");
	ck_assert_ptr_nonnull(HMAC(EVP_sha256(), t, 32, out, 88, out + 88,
				   &n));
}

/* ---- tests ------------------------------------------------------------ */

START_TEST(payload_round_trip_and_rejects)
{
	struct bt_seal s, p;
	uint8_t b[BT_SEAL_SIZE + 8];

	memset(&s, 0, sizeof(s));
	s.version = BT_SEAL_VERSION;
	s.flags = BT_SEALF_FINAL;
	memset(s.id, 0xab, sizeof(s.id));
	s.epoch = 123456789;
	s.records = 42;
	s.time = T0;
	memset(s.chain, 0xcd, sizeof(s.chain));
	memset(s.tag, 0xef, sizeof(s.tag));
	bt_seal_encode(b, &s);
	ck_assert_int_eq(bt_seal_parse(&p, b, BT_SEAL_SIZE), 0);
	ck_assert_mem_eq(&p, &s, sizeof(s));

	ck_assert_int_eq(bt_seal_parse(&p, b, BT_SEAL_SIZE - 1), BT_ECORRUPT);
	ck_assert_int_eq(bt_seal_parse(&p, b, BT_SEAL_SIZE + 8), BT_ECORRUPT);
	ck_assert_int_eq(bt_seal_parse(&p, b, 0), BT_ECORRUPT);
	b[12] |= 0x80;   /* unknown flag */
	ck_assert_int_eq(bt_seal_parse(&p, b, BT_SEAL_SIZE), BT_ECORRUPT);
	b[12] &= 0x7f;
	b[8] = 2;        /* another version */
	ck_assert_int_eq(bt_seal_parse(&p, b, BT_SEAL_SIZE), BT_EVERSION);
	b[8] = 1;
	b[0] = 'X';
	ck_assert_int_eq(bt_seal_parse(&p, b, BT_SEAL_SIZE), BT_ECORRUPT);
}
END_TEST

START_TEST(key_files_strict)
{
	struct bt_seal_key k, v;
	char *text;
	size_t len, i;

	make_keys();
	ck_assert_int_eq(bt_seal_key_load(&k, state, true), 0);
	load_vk(&v, vkey);
	/* The state at epoch 0 is what the verification key derives. */
	ck_assert_mem_eq(&k, &v, sizeof(k));
	ck_assert_uint_eq(k.interval, BT_SEAL_INTERVAL);
	/* Each is refused as the other. */
	ck_assert_int_eq(bt_seal_key_load(&k, state, false), BT_ECORRUPT);
	ck_assert_int_eq(bt_seal_key_load(&k, vkey, true), BT_ECORRUPT);
	ck_assert_msg(strstr(bt_error_msg(), vkey) &&
		      strstr(bt_error_msg(), "not a btrack sealing state"),
		      "%s", bt_error_msg());

	text = tu_read_file(vkey, &len);
	ck_assert_ptr_nonnull(text);
	/* Every truncation is refused, and so is a trailing byte. */
	for (i = 0; i < len; i++)
		ck_assert_int_eq(bt_seal_key_parse(&k, text, i, false),
				 BT_ECORRUPT);
	text = realloc(text, len + 1);
	text[len] = '\n';
	ck_assert_int_eq(bt_seal_key_parse(&k, text, len + 1, false),
			 BT_ECORRUPT);
	/* A changed key digit no longer matches the id. */
	text[len - 2] = text[len - 2] == '0' ? '1' : '0';
	ck_assert_int_eq(bt_seal_key_parse(&k, text, len, false),
			 BT_ECORRUPT);
	/* Upper case hex is not the format. */
	text[len - 2] = 'A';
	ck_assert_int_eq(bt_seal_key_parse(&k, text, len, false),
			 BT_ECORRUPT);
	free(text);

	/* No key is read through a symlink. */
	ck_assert_int_eq(symlink(state, tu_path("link")), 0);
	ck_assert_int_ne(bt_seal_key_load(&k, tu_path("link"), true), 0);
	/* Nor is a new key made over an old one. */
	ck_assert_int_ne(bt_seal_keys_create(k.id, keys), 0);
}
END_TEST

START_TEST(key_tree_matches_specification)
{
	static const uint64_t epochs[] = { 0, 1, 2, 255, 256, 257, 511,
					   65535, 65536, 65537, 70000,
					   3 * 65536 + 5 * 256 + 7 };
	struct bt_seal_key v, walk;
	uint8_t k0[32], want[32];
	size_t i;

	make_keys();
	load_vk(&v, vkey);
	read_k0(k0, vkey);
	walk = v;
	for (i = 0; i < sizeof(epochs) / sizeof(epochs[0]); i++) {
		struct bt_seal_key direct = v;

		leaf(want, k0, epochs[i]);
		ck_assert_int_eq(bt_seal_key_seek(&direct, epochs[i]), 0);
		ck_assert_mem_eq(direct.key, want, 32);
		/* step by step through the earlier ones: the same key */
		ck_assert_int_eq(bt_seal_key_seek(&walk, epochs[i]), 0);
		ck_assert_mem_eq(walk.key, want, 32);
		ck_assert_mem_eq(walk.top, direct.top, 32);
		ck_assert_mem_eq(walk.mid, direct.mid, 32);
	}
	/* Never backwards. */
	ck_assert_int_eq(bt_seal_key_seek(&walk, 1), BT_EINVAL);
}
END_TEST

START_TEST(sealed_log_verifies)
{
	struct plan p = { -1, -1, false, false, false, NULL, NULL };
	struct bt_seal_report rep;
	const char *log = tu_path("a.btl");
	int r;

	make_keys();
	p.state = state;
	build(log, &p);
	r = verify_path(log, vkey, &rep);
	ck_assert_msg(all_proven(r, &rep), "r=%d %s", r, bt_error_msg());
	ck_assert_uint_eq(rep.seals, 2);
	ck_assert(rep.closed);
	ck_assert(rep.last.flags & BT_SEALF_FINAL);
	/* 3 objects, 2 * NEV events, a note, 2 seals */
	ck_assert_uint_eq(rep.records, 3 + 2 * NEV + 1 + 2);
	ck_assert_uint_eq(rep.last.records, 3 + 2 * NEV + 1);
	ck_assert_uint_le(rep.first.time, rep.last.time);
}
END_TEST

START_TEST(wrong_key_refused)
{
	struct plan p = { -1, -1, false, false, false, NULL, NULL };
	struct bt_seal_report rep;
	const char *log = tu_path("a.btl");
	char other[512];
	uint8_t id[BT_SEAL_ID];

	make_keys();
	p.state = state;
	build(log, &p);
	snprintf(other, sizeof(other), "%s", tu_path("other"));
	ck_assert_int_eq(bt_seal_keys_create(id, other), 0);
	strcat(other, "/" BT_SEAL_VERIFY_NAME);
	ck_assert_int_eq(verify_path(log, other, &rep), BT_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "sealed with key"));
}
END_TEST

/* One record changed, rebuilt through the writer (whatever checksums the
 * format has are right), the seals copied: the chain catches it. */
START_TEST(changed_record_detected)
{
	struct plan p = { -1, -1, false, false, false, NULL, NULL };
	uint8_t seals[2][BT_SEAL_SIZE];
	struct bt_seal_report rep;
	const char *a = strdup(tu_path("a.btl")), *b = tu_path("b.btl");
	int r;

	make_keys();
	p.state = state;
	build(a, &p);
	ck_assert_int_eq(seals_of(a, seals, 2), 2);
	/* the copies of the original verify: the copying is sound */
	p.copy = (const uint8_t (*)[BT_SEAL_SIZE])seals;
	build(b, &p);
	ck_assert(all_proven(verify_path(b, vkey, &rep), &rep));
	/* in part 1: the first seal names the change */
	p.change = 3;
	build(b, &p);
	r = verify_path(b, vkey, &rep);
	ck_assert_int_eq(r, BT_ECORRUPT);
	ck_assert_msg(strstr(bt_error_msg(), "record 14 ") &&
		      strstr(bt_error_msg(), "chain mismatch"), "%s",
		      bt_error_msg());
	ck_assert_uint_eq(rep.seals, 0);
	/* in part 2: part 1 stays proven, the second seal names it */
	p.change = NEV + 3;
	build(b, &p);
	r = verify_path(b, vkey, &rep);
	ck_assert_int_eq(r, BT_ECORRUPT);
	ck_assert_msg(strstr(bt_error_msg(), "records 15 to 25"), "%s",
		      bt_error_msg());
	ck_assert_uint_eq(rep.seals, 1);
	ck_assert_uint_eq(rep.proven, 14);
	free((void *)a);
}
END_TEST

/* Raw edits of the file: a value patched in place. */
START_TEST(patched_bytes_detected)
{
	struct plan p = { -1, -1, false, false, false, NULL, NULL };
	struct bt_seal_report rep;
	struct bt_seal_key vk;
	struct bt_log *log;
	const char *a = tu_path("a.btl");
	uint8_t *data, *copy;
	size_t len, i, hit = 0, tries = 0;
	uint64_t end;
	int r;

	make_keys();
	p.state = state;
	build(a, &p);
	load_vk(&vk, vkey);
	data = tu_read_file(a, &len);
	ck_assert_ptr_nonnull(data);
	copy = malloc(len);
	ck_assert_int_eq(bt_log_open_mem(&log, data, len), 0);
	end = bt_log_file_end(log);   /* in the file (v2: not the decoded end) */
	bt_log_close(log);
	/* Every single-bit flip of the records and seals (the header is not
	 * sealed: its own checks, and the closed flag, are separate). */
	for (i = 0; i < (end - 64) * 8; i++) {
		size_t off = 64 + i / 8;

		memcpy(copy, data, len);
		copy[off] ^= (uint8_t)(1u << (i % 8));
		tries++;
		r = bt_log_open_mem(&log, copy, len);
		if (r == 0) {
			r = bt_seal_verify(log, &vk, T0 * 2, &rep);
			bt_log_close(log);
		}
		if (!all_proven(r, &rep))
			hit++;
		else
			ck_abort_msg("flip of bit %zu at offset %zu passed",
				     i % 8, off);
	}
	ck_assert_uint_eq(hit, tries);
	ck_assert_uint_ge(tries, 1000);
	free(copy);
	free(data);
}
END_TEST

START_TEST(removed_record_detected)
{
	struct plan p = { -1, -1, false, false, false, NULL, NULL };
	uint8_t seals[2][BT_SEAL_SIZE];
	struct bt_seal_report rep;
	const char *a = strdup(tu_path("a.btl")), *b = tu_path("b.btl");

	make_keys();
	p.state = state;
	build(a, &p);
	ck_assert_int_eq(seals_of(a, seals, 2), 2);
	p.copy = (const uint8_t (*)[BT_SEAL_SIZE])seals;
	p.drop = NEV + 2;
	build(b, &p);
	ck_assert_int_eq(verify_path(b, vkey, &rep), BT_ECORRUPT);
	ck_assert_msg(strstr(bt_error_msg(), "added or removed"), "%s",
		      bt_error_msg());
	ck_assert_uint_eq(rep.proven, 14);
	free((void *)a);
}
END_TEST

START_TEST(truncation_detected)
{
	struct plan p = { -1, -1, false, false, false, NULL, NULL };
	uint8_t seals[2][BT_SEAL_SIZE];
	struct bt_seal_report rep;
	const char *a = strdup(tu_path("a.btl")), *b = tu_path("b.btl");
	uint8_t *data;
	size_t len;
	int r;

	make_keys();
	p.state = state;
	build(a, &p);
	ck_assert_int_eq(seals_of(a, seals, 2), 2);
	/* rebuilt up to the first seal and closed: its seal is not final */
	p.copy = (const uint8_t (*)[BT_SEAL_SIZE])seals;
	p.one_part = true;
	build(b, &p);
	r = verify_path(b, vkey, &rep);
	ck_assert_int_eq(r, 0);
	ck_assert(rep.truncated);
	ck_assert_uint_eq(rep.proven, 14);
	ck_assert(!all_proven(r, &rep));
	/* the file cut short (the final seal's bytes gone) */
	data = tu_read_file(a, &len);
	ck_assert_int_eq(tu_write_file(b, data, len - BT_SEAL_SIZE), 0);
	r = verify_path(b, vkey, &rep);
	ck_assert_msg(r == BT_ECORRUPT || rep.truncated, "r=%d", r);
	ck_assert(!all_proven(r, &rep));
	free(data);
	free((void *)a);
}
END_TEST

/* A log not closed (still written, or its writer killed) has an unproven
 * tail but nothing is contradicted; records after a final seal too. */
START_TEST(unproven_tail_reported)
{
	struct plan p = { -1, -1, false, false, false, NULL, NULL };
	struct bt_seal_report rep;
	const char *a = tu_path("a.btl");
	int r;

	make_keys();
	p.state = state;
	p.no_close = true;
	p.more_after = true;
	build(a, &p);
	r = verify_path(a, vkey, &rep);
	ck_assert_int_eq(r, 0);
	ck_assert(!rep.closed);
	ck_assert(!rep.truncated);
	ck_assert_uint_eq(rep.unproven, NEV);
	ck_assert_uint_eq(rep.proven, 3 + 2 * NEV + 1 + 2);
	ck_assert(!all_proven(r, &rep));
}
END_TEST

/* The attacker has root and the CURRENT sealing state (a copy taken after
 * the log was sealed), removes a record and recomputes the chain. */
START_TEST(stolen_state_cannot_reseal_the_past)
{
	struct plan p = { -1, -1, false, false, false, NULL, NULL };
	uint8_t seals[2][BT_SEAL_SIZE], forged[2][BT_SEAL_SIZE];
	struct bt_seal orig[2], s;
	struct bt_seal_key stolen, tmp;
	struct bt_seal_chain c;
	struct bt_seal_report rep;
	struct bt_log *log;
	struct bt_log_iter it;
	const struct bt_rec_head *h;
	const char *a = strdup(tu_path("a.btl"));
	const char *b = strdup(tu_path("b.btl"));
	const char *copy = strdup(tu_path("stolen.state"));
	uint64_t chained[2] = { 0, 0 };
	uint8_t chain_at[2][32];
	size_t len;
	char *text;
	int k, r;

	make_keys();
	p.state = state;
	build(a, &p);
	ck_assert_int_eq(seals_of(a, seals, 2), 2);
	for (k = 0; k < 2; k++)
		ck_assert_int_eq(bt_seal_parse(&orig[k], seals[k],
					       BT_SEAL_SIZE), 0);
	text = tu_read_file(state, &len);
	ck_assert_int_eq(tu_write_file(copy, text, len), 0);
	free(text);
	ck_assert_int_eq(bt_seal_key_load(&stolen, copy, true), 0);
	/* The state holds no key of a used epoch, and cannot go back. */
	ck_assert_uint_gt(stolen.epoch, orig[1].epoch);
	tmp = stolen;
	ck_assert_int_eq(bt_seal_key_seek(&tmp, orig[1].epoch), BT_EINVAL);

	/* The log without event 2, and its chain, as the attacker computes
	 * it (the algorithm is public). */
	p.drop = 2;
	p.copy = (const uint8_t (*)[BT_SEAL_SIZE])seals;
	build(b, &p);
	ck_assert_int_eq(bt_log_open(&log, b), 0);
	ck_assert_int_eq(bt_seal_chain_init(&c), 0);
	bt_log_iter_init(&it, log);
	k = 0;
	while (bt_log_next(&it, &h) == 1) {
		if (h->type == BT_REC_SEAL) {
			chained[k] = c.records;
			memcpy(chain_at[k++], c.h, 32);
			continue;
		}
		ck_assert_int_eq(bt_seal_chain_add(&c, h), 0);
	}
	bt_log_iter_release(&it);
	bt_seal_chain_release(&c);
	bt_log_close(log);

	/* 1. The original epochs and times, tagged with the key stolen:
	 *    the tags fail. */
	for (k = 0; k < 2; k++) {
		s = orig[k];
		s.records = chained[k];
		memcpy(s.chain, chain_at[k], 32);
		forge(forged[k], &s, stolen.key);
	}
	p.copy = (const uint8_t (*)[BT_SEAL_SIZE])forged;
	build(b, &p);
	ck_assert_int_eq(verify_path(b, vkey, &rep), BT_ECORRUPT);
	ck_assert_msg(strstr(bt_error_msg(), "tag does not match"), "%s",
		      bt_error_msg());

	/* 2. The stolen epochs with the original times (backdated): the
	 *    dates do not fit the epochs. */
	for (k = 0; k < 2; k++) {
		tmp = stolen;
		s = orig[k];
		s.epoch = stolen.epoch + (uint64_t)k;
		s.records = chained[k];
		memcpy(s.chain, chain_at[k], 32);
		ck_assert_int_eq(bt_seal_key_seek(&tmp, s.epoch), 0);
		forge(forged[k], &s, tmp.key);
	}
	build(b, &p);
	ck_assert_int_eq(verify_path(b, vkey, &rep), BT_ECORRUPT);
	ck_assert_msg(strstr(bt_error_msg(), "dated outside"), "%s",
		      bt_error_msg());

	/* 3. Sealed anew with the stolen state, now: the tags hold, but
	 *    every seal is dated after the last honest one, which is what
	 *    verify reports and the threat model promises. */
	p.copy = NULL;
	p.state = copy;
	build(b, &p);
	r = verify_path(b, vkey, &rep);
	ck_assert(all_proven(r, &rep));
	ck_assert_uint_gt(rep.first.time, orig[1].time);
	ck_assert_uint_gt(rep.first.epoch, orig[1].epoch);
	free((void *)a);
	free((void *)b);
	free((void *)copy);
}
END_TEST

START_TEST(seal_order_and_dates_checked)
{
	struct plan p = { -1, -1, false, false, false, NULL, NULL };
	uint8_t seals[2][BT_SEAL_SIZE], swapped[2][BT_SEAL_SIZE];
	struct bt_seal_report rep;
	struct bt_seal_key vk;
	struct bt_log *log;
	const char *a = strdup(tu_path("a.btl")), *b = tu_path("b.btl");

	make_keys();
	p.state = state;
	build(a, &p);
	ck_assert_int_eq(seals_of(a, seals, 2), 2);
	/* the second seal in first place: its count is wrong */
	memcpy(swapped[0], seals[1], BT_SEAL_SIZE);
	memcpy(swapped[1], seals[0], BT_SEAL_SIZE);
	p.copy = (const uint8_t (*)[BT_SEAL_SIZE])swapped;
	build(b, &p);
	ck_assert_int_eq(verify_path(b, vkey, &rep), BT_ECORRUPT);
	/* a verifier whose clock is days behind the seals refuses them */
	load_vk(&vk, vkey);
	ck_assert_int_eq(bt_log_open(&log, a), 0);
	ck_assert_int_eq(bt_seal_verify(log, &vk, vk.start, &rep), 0);
	ck_assert_int_eq(bt_seal_verify(log, &vk, vk.start -
					3 * 86400000000000ULL, &rep),
			 BT_ECORRUPT);
	bt_log_close(log);
	free((void *)a);
}
END_TEST

START_TEST(sealer_ticks)
{
	struct bt_log_writer *w = NULL;
	struct bt_sealer *s = NULL;
	struct bt_seal_report rep;
	const char *a = tu_path("a.btl");
	const char *msg;
	uint64_t now = 0;
	int i, r;

	make_keys();
	unlink(a);
	ck_assert_int_eq(bt_log_writer_open(&w, a, BT_LOGW_CREATE), 0);
	ck_assert_int_eq(bt_sealer_new(&s, state, bt_log_writer_file(w), 1),
			 0);
	ck_assert_int_eq(bt_log_append_process(w, 1, 100, T0, 1, 0), 0);
	bt_log_writer_commit(w);
	for (i = 0; i < 3; i++) {
		now = (uint64_t)-1 / 2 + (uint64_t)i * 1000;
		bt_sealer_tick(s, w, now);
		/* nothing new: no second seal */
		bt_sealer_tick(s, w, now + 500);
		ck_assert_uint_eq(bt_sealer_count(s), (uint64_t)i + 1);
		ck_assert_int_eq(bt_log_append_note(w, BT_NOTE_TEXT, T0,
						    "x", 1), 0);
		bt_log_writer_commit(w);
	}
	ck_assert_int_eq(bt_sealer_error(s, &msg), 0);
	ck_assert_int_eq(bt_sealer_seal(s, w, true), 0);
	bt_sealer_free(s);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	r = verify_path(a, vkey, &rep);
	ck_assert_msg(all_proven(r, &rep), "%s", bt_error_msg());
	ck_assert_uint_eq(rep.seals, 4);

	/* A state that goes away: the tick keeps the error, no stop. */
	ck_assert_int_eq(bt_log_writer_open(&w, a, BT_LOGW_APPEND), 0);
	ck_assert_int_eq(bt_sealer_new(&s, state, a, 1), 0);
	unlink(state);
	ck_assert_int_eq(bt_log_append_note(w, BT_NOTE_TEXT, T0, "y", 1), 0);
	bt_log_writer_commit(w);
	bt_sealer_tick(s, w, now + 10000);
	ck_assert_int_ne(bt_sealer_error(s, &msg), 0);
	ck_assert_ptr_nonnull(msg);
	bt_sealer_free(s);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
}
END_TEST

static double secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * A long recording sealed every so often (what --seal-every does): every
 * seal verifies, and each reads only what was added since the last (the
 * sealer keeps the log open and refreshes it).  The time of each seal is
 * printed, not asserted: the last seals, over 1 M records, should cost
 * what the first did.  The pause between seals keeps the sealing state's
 * epoch wait (100 ms) out of the figures.
 */
START_TEST(long_recording_seals)
{
	enum { SEALS = 12, PER = 80000 };
	struct bt_log_writer *w = NULL;
	struct bt_sealer *s = NULL;
	struct bt_seal_report rep;
	const char *a = tu_path("long.btl");
	double t[SEALS], t0;
	uint64_t n = 0;
	int i, j, r;

	make_keys();
	unlink(a);
	ck_assert_int_eq(bt_log_writer_open(&w, a, BT_LOGW_CREATE), 0);
	ck_assert_int_eq(bt_sealer_new(&s, state, bt_log_writer_file(w), 0),
			 0);
	ck_assert_int_eq(bt_log_append_process(w, 1, 100, T0, 1, 0), 0);
	ck_assert_int_eq(bt_log_append_file(w, 2, 0, 8, 42), 0);
	for (i = 0; i < SEALS; i++) {
		for (j = 0; j < PER; j++, n++) {
			r = bt_log_append_event(w, BT_OP_READ, 0, (uint32_t)j,
						T0 + n, 2, 1);
			tu_assert(r == 0, "%s", bt_error_msg());
			if (j % 4096 == 0)
				bt_log_writer_commit(w);
		}
		usleep(210000);
		t0 = secs();
		r = bt_sealer_seal(s, w, i == SEALS - 1);
		t[i] = secs() - t0;
		ck_assert_msg(r == 0, "%s", bt_error_msg());
	}
	bt_sealer_free(s);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	r = verify_path(a, vkey, &rep);
	ck_assert_msg(all_proven(r, &rep), "%s", bt_error_msg());
	ck_assert_uint_eq(rep.seals, SEALS);
	ck_assert_uint_eq(rep.records, 2 + n + SEALS);
	fprintf(stderr, "long recording: %d seals of %d events each; seal 1 "
		"%.1f ms, seal %d (over %llu records) %.1f ms:", SEALS, PER,
		t[0] * 1e3, SEALS, (unsigned long long)(2 + n), t[SEALS - 1] *
		1e3);
	for (i = 0; i < SEALS; i++)
		fprintf(stderr, " %.1f", t[i] * 1e3);
	fprintf(stderr, "\n");
}
END_TEST

/* Random bytes in a seal's payload inside a log: no crash, never proven
 * (the fuzz target's logic, so CI runs it without libFuzzer). */
START_TEST(mutated_seals_never_prove)
{
	struct plan p = { -1, -1, false, false, false, NULL, NULL };
	uint8_t seals[2][BT_SEAL_SIZE], bad[2][BT_SEAL_SIZE];
	struct bt_seal_report rep;
	const char *a = strdup(tu_path("a.btl")), *b = tu_path("b.btl");
	unsigned seed = 1;
	int i, j, r;

	make_keys();
	p.state = state;
	build(a, &p);
	ck_assert_int_eq(seals_of(a, seals, 2), 2);
	p.copy = (const uint8_t (*)[BT_SEAL_SIZE])bad;
	for (i = 0; i < 200; i++) {
		memcpy(bad, seals, sizeof(bad));
		for (j = 0; j < 1 + i % 4; j++) {
			unsigned pos = (unsigned)rand_r(&seed) %
				       (2 * BT_SEAL_SIZE);

			bad[pos / BT_SEAL_SIZE][pos % BT_SEAL_SIZE] ^=
				(uint8_t)(1 + rand_r(&seed) % 255);
		}
		build(b, &p);
		r = verify_path(b, vkey, &rep);
		ck_assert_msg(!all_proven(r, &rep), "mutation %d proven", i);
	}
	free((void *)a);
}
END_TEST

static Suite *seal_suite(void)
{
	Suite *s = suite_create("seal");
	TCase *t = tcase_create("seal");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, payload_round_trip_and_rejects);
	tcase_add_test(t, key_files_strict);
	tcase_add_test(t, key_tree_matches_specification);
	tcase_add_test(t, sealed_log_verifies);
	tcase_add_test(t, wrong_key_refused);
	tcase_add_test(t, changed_record_detected);
	tcase_add_test(t, patched_bytes_detected);
	tcase_add_test(t, removed_record_detected);
	tcase_add_test(t, truncation_detected);
	tcase_add_test(t, unproven_tail_reported);
	tcase_add_test(t, stolen_state_cannot_reseal_the_past);
	tcase_add_test(t, seal_order_and_dates_checked);
	tcase_add_test(t, sealer_ticks);
	tcase_add_test(t, long_recording_seals);
	tcase_add_test(t, mutated_seals_never_prove);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return tu_run(seal_suite());
}
