/*
 * seal.h - forward-secure sealing of a log: a hash chain over its records,
 * bound at each seal to a key that evolves one way (after systemd-journald's
 * Forward Secure Sealing).  The user-facing specification and the threat
 * model are the SEALING section of man/btrack-log.5; this comment and that
 * page must agree.
 *
 * The chain.  H_0 = SHA-256("btrack-seal-chain"), and for every record of
 * the log in order except seal records, H_i = SHA-256(H_{i-1} || record_i),
 * where record_i is the record's canonical form as bt_log_next() returns
 * it (the same for every on-disk format version): 24 bytes for an event,
 * h->len bytes at h for every other record.
 *
 * The keys.  A root key K_0 (32 random bytes) is made once, with a start
 * time t0 and an interval D (BT_SEAL_INTERVAL, 100 ms): epoch e is the
 * time window [t0 + e*D, t0 + (e+1)*D).  The key of epoch e, E_e, is a
 * leaf of a one-way tree of three levels, so that any epoch's key is
 * reached from K_0 in a few hundred steps but no earlier epoch's key from a
 * later one.  With F = BT_SEAL_FANOUT (256), e has the digits
 * (a, b, c) = (e / F^2, e / F % F, e % F).  Level 0 is a chain:
 * A_0 = K_0, A_{a+1} = next(A_a); below a node X, the children are
 * X_0 = down(X), X_{i+1} = next(X_i); E_e is the c-th child of the b-th
 * child of A_a.  next(X) = HMAC-SHA256(X, "btrack-seal-next"),
 * down(X) = HMAC-SHA256(X, "btrack-seal-down").  The tag key of epoch e is
 * T_e = HMAC-SHA256(E_e, "btrack-seal-tag").  The key id is the first 16
 * bytes of SHA-256("btrack-seal-id" || K_0 || le64 t0 || le64 D).
 *
 * The verification key file holds (id, t0, D, K_0) and is kept off the
 * host.  The sealing state on the host holds (id, t0, D, e, A_{a+1},
 * B_{b+1}, E_e), B_{b+1} being the next sibling of e's level-1 node:
 * nothing from which an earlier epoch's key follows.  A seal made at time
 * t uses epoch e = max(state epoch, epoch of t) (one of those of t or the
 * next; a sealer that finds the state further ahead waits), and the state
 * moves to the epoch of t plus 2 (rewritten in place), so the key on the
 * host never tagged anything.  A valid seal's time falls in its epoch's
 * window or the one before (t0 + (e-1)*D <= time < t0 + (e+1)*D).  So
 * whoever steals the state can only make seals dated after the last seal
 * made before the theft, never at or before it.
 *
 * A seal (the payload of a BT_REC_SEAL record), 120 bytes, little-endian:
 *
 *   offset  size  field
 *   0       8     magic "BTSEAL\0\0"
 *   8       4     version (BT_SEAL_VERSION)
 *   12      4     flags: BT_SEALF_FINAL (the writer closed the log after
 *                 it); other bits 0
 *   16      16    key id
 *   32      8     epoch e
 *   40      8     records: non-seal records covered (all those before it)
 *   48      8     time: ns since the epoch (UTC) when it was made
 *   56      32    chain: H_records
 *   88      32    tag: HMAC-SHA256(T_e, bytes 0..87)
 *
 * The cryptography is OpenSSL's libcrypto.  Nothing here prints.
 */
#ifndef BT_SEAL_H
#define BT_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

#define BT_SEAL_MAGIC "BTSEAL\0"      /* 8 bytes with the NUL */
#define BT_SEAL_VERSION 1
#define BT_SEAL_SIZE 120              /* payload bytes of version 1 */
#define BT_SEAL_HASH 32               /* SHA-256 */
#define BT_SEAL_KEY 32
#define BT_SEAL_ID 16
#define BT_SEALF_FINAL 0x1
#define BT_SEAL_FANOUT 256            /* children of a key tree node */
#define BT_SEAL_INTERVAL 100000000ULL /* D of new keys: 100 ms */

/* A seal, parsed. */
struct bt_seal {
	uint32_t version;
	uint32_t flags;                 /* BT_SEALF_* */
	uint8_t id[BT_SEAL_ID];
	uint64_t epoch;
	uint64_t records;
	uint64_t time;
	uint8_t chain[BT_SEAL_HASH];
	uint8_t tag[BT_SEAL_HASH];
};

/* Parse a seal payload (untrusted: `len` bytes).  BT_ECORRUPT for a bad
 * magic, size or flags, BT_EVERSION for another version. */
int bt_seal_parse(struct bt_seal *out, const void *data, size_t len);

/* Encode s into out[BT_SEAL_SIZE] (the tag as it is in s). */
void bt_seal_encode(uint8_t *out, const struct bt_seal *s);

/* ---- the chain --------------------------------------------------------- */

/* The chain over the non-seal records seen so far.  Holds a digest context
 * (allocated once by _init, freed by _release; release accepts a zeroed
 * chain). */
struct bt_seal_chain {
	uint8_t h[BT_SEAL_HASH];  /* H_records */
	uint64_t records;
	void *ctx;                /* EVP_MD_CTX */
	void *md;                 /* EVP_MD */
};
int bt_seal_chain_init(struct bt_seal_chain *c);
void bt_seal_chain_release(struct bt_seal_chain *c);
/* Add one record (its canonical h->len bytes).  Seal records must not be
 * given (BT_EINVAL). */
int bt_seal_chain_add(struct bt_seal_chain *c, const struct bt_rec_head *h);

/* ---- keys -------------------------------------------------------------- */

/* A key at some epoch, in the state's form (a loaded verification key is
 * at epoch 0). */
struct bt_seal_key {
	uint8_t id[BT_SEAL_ID];
	uint64_t start;                 /* t0, ns since the epoch (UTC) */
	uint64_t interval;              /* D, ns */
	uint64_t epoch;                 /* e */
	uint8_t top[BT_SEAL_KEY];       /* A_{a+1} */
	uint8_t mid[BT_SEAL_KEY];       /* B_{b+1} under A_a */
	uint8_t key[BT_SEAL_KEY];       /* E_e */
};

/* Erase the key bytes (OPENSSL_cleanse).  Accepts NULL. */
void bt_seal_key_wipe(struct bt_seal_key *k);
/* Move k forward to epoch e (>= k->epoch, else BT_EINVAL), erasing what
 * it held. */
int bt_seal_key_seek(struct bt_seal_key *k, uint64_t e);
/* The epoch of time t (ns): BT_EINVAL before the key's start. */
int bt_seal_key_epoch(uint64_t *out, const struct bt_seal_key *k,
		      uint64_t t);

/* The key files are text of a fixed length (so the state is rewritten in
 * place).  `state` picks the sealing state's format or the verification
 * key's.  parse is strict (untrusted input). */
#define BT_SEAL_KEYFILE_MAX 512
size_t bt_seal_key_format_state(char *buf, const struct bt_seal_key *k);
int bt_seal_key_parse(struct bt_seal_key *out, const char *text, size_t len,
		      bool state);
/* Read a key file (at most BT_SEAL_KEYFILE_MAX bytes, no symlink). */
int bt_seal_key_load(struct bt_seal_key *out, const char *path, bool state);

/* Create DIR (mode 0700, if missing) with a new key starting now:
 * DIR/verify.key and DIR/seal.state, mode 0600, neither may exist.
 * id_out[BT_SEAL_ID] gets the key id. */
#define BT_SEAL_VERIFY_NAME "verify.key"
#define BT_SEAL_STATE_NAME "seal.state"
int bt_seal_keys_create(uint8_t *id_out, const char *dir);

/* ---- sealing ----------------------------------------------------------- */

/*
 * Make a seal over chain `c` with the state file at `state_path`, dated
 * now: lock the file, read the state, pick the epoch (waiting up to one
 * interval when two seals already used this one), tag, write the state of
 * the next epoch over it and sync, unlock.  The state moves on before the
 * seal is returned, so a crash never lets one epoch tag two seals.
 * out[BT_SEAL_SIZE] gets the payload.
 */
int bt_seal_make(uint8_t *out, const char *state_path,
		 const struct bt_seal_chain *c, bool final);

/*
 * A writer's sealer: seals the log that the caller writes through a
 * bt_log_writer, reading it back from `log_path`, the file being written.
 * The caller owns *out (bt_sealer_free()).  `every_ns` is the period for
 * bt_sealer_tick() (0: never periodic).
 */
struct bt_sealer;
int bt_sealer_new(struct bt_sealer **out, const char *state_path,
		  const char *log_path, uint64_t every_ns);
void bt_sealer_free(struct bt_sealer *s);
/* Commit w, hash the records appended since the last seal (read back
 * through the reader: the canonical form), append a seal and commit.
 * Call between observations, never with half of one appended. */
int bt_sealer_seal(struct bt_sealer *s, struct bt_log_writer *w, bool final);
/* Seal if every_ns has passed since the last seal (or the sealer's start)
 * and records were added since.  Errors are kept (bt_sealer_error()), not
 * returned: a recording goes on unsealed rather than stop. */
void bt_sealer_tick(struct bt_sealer *s, struct bt_log_writer *w,
		    uint64_t now);
/* Seals appended so far, and the last one (borrowed, NULL if none). */
uint64_t bt_sealer_count(const struct bt_sealer *s);
const struct bt_seal *bt_sealer_last(const struct bt_sealer *s);
/* The first error a tick met (0 if none) and its message (borrowed). */
int bt_sealer_error(const struct bt_sealer *s, const char **msg);

/* ---- verifying --------------------------------------------------------- */

struct bt_seal_report {
	uint64_t records;         /* records in the log, seals included */
	uint64_t seals;           /* seals verified */
	uint64_t proven;          /* record number (1-based, log order) of the
	                             last verified seal: records 1..proven
	                             are proven; 0 if none */
	uint64_t proven_off;      /* its byte offset */
	struct bt_seal first;     /* the first verified seal */
	struct bt_seal last;      /* the last verified seal */
	uint64_t unproven;        /* non-seal records after it */
	bool closed;              /* the header says the writer closed it */
	bool truncated;           /* closed, yet the last seal is not final,
	                             or the file is shorter than its
	                             committed length */
};

/*
 * Recompute the chain of `log` and check every seal against the
 * verification key `vk` (as loaded: epoch 0).  Returns 0 when nothing
 * contradicts the seals (the caller still reads unproven and truncated),
 * BT_ECORRUPT with the record number and offset in the message for a bad
 * record, or a seal that does not parse, is of another key, goes back in
 * epoch, is dated outside its epoch or more than a day after `now` (ns),
 * or whose count, chain or tag does not match.
 */
int bt_seal_verify(const struct bt_log *log, const struct bt_seal_key *vk,
		   uint64_t now, struct bt_seal_report *out);

#endif
