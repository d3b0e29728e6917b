/*
 * seal.c - forward-secure sealing of a log (core/seal.h, man/btrack-log.5
 * SEALING): the hash chain, the evolving key and its files, making seals
 * for a writer and verifying a log's seals.
 *
 * All cryptography is OpenSSL's libcrypto (SHA-256, HMAC-SHA256,
 * RAND_bytes, CRYPTO_memcmp, OPENSSL_cleanse); nothing is hand-rolled.  A
 * seal is read as untrusted input: every field is checked before use, and
 * the key of a seal's epoch is derived only once its date is checked (no
 * later than a day past the verifier's clock), which bounds the work.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "error.h"
#include "seal.h"

static const char chain_label[] = "btrack-seal-chain";
static const char id_label[] = "btrack-seal-id";
static const char next_label[] = "btrack-seal-next";
static const char tag_label[] = "btrack-seal-tag";

static inline void put_u32(uint8_t *p, uint32_t v)
{
	int i;

	for (i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void put_u64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t get_u64(const uint8_t *p)
{
	return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

/* ---- the seal payload -------------------------------------------------- */

#define OFF_TAG 88

int bt_seal_parse(struct bt_seal *out, const void *data, size_t len)
{
	const uint8_t *p = data;

	memset(out, 0, sizeof(*out));
	if (len < 12 || memcmp(p, BT_SEAL_MAGIC, 8))
		return bt_error_set(BT_ECORRUPT, "not a seal (bad magic)");
	out->version = get_u32(p + 8);
	if (out->version != BT_SEAL_VERSION)
		return bt_error_set(BT_EVERSION, "seal version %u; this btrack "
				    "reads version %u", out->version,
				    BT_SEAL_VERSION);
	if (len != BT_SEAL_SIZE)
		return bt_error_set(BT_ECORRUPT, "seal of %zu bytes, not %u",
				    len, BT_SEAL_SIZE);
	out->flags = get_u32(p + 12);
	if (out->flags & ~(uint32_t)BT_SEALF_FINAL)
		return bt_error_set(BT_ECORRUPT, "seal has unknown flags "
				    "0x%x", out->flags);
	memcpy(out->id, p + 16, BT_SEAL_ID);
	out->epoch = get_u64(p + 32);
	out->records = get_u64(p + 40);
	out->time = get_u64(p + 48);
	memcpy(out->chain, p + 56, BT_SEAL_HASH);
	memcpy(out->tag, p + OFF_TAG, BT_SEAL_HASH);
	return 0;
}

void bt_seal_encode(uint8_t *out, const struct bt_seal *s)
{
	memcpy(out, BT_SEAL_MAGIC, 8);
	put_u32(out + 8, s->version);
	put_u32(out + 12, s->flags);
	memcpy(out + 16, s->id, BT_SEAL_ID);
	put_u64(out + 32, s->epoch);
	put_u64(out + 40, s->records);
	put_u64(out + 48, s->time);
	memcpy(out + 56, s->chain, BT_SEAL_HASH);
	memcpy(out + OFF_TAG, s->tag, BT_SEAL_HASH);
}

/* ---- primitives -------------------------------------------------------- */

static int crypto_fail(const char *what)
{
	return bt_error_set(BT_EIO, "libcrypto: %s failed", what);
}

static int hmac(uint8_t out[BT_SEAL_HASH], const uint8_t *key,
		const void *data, size_t len)
{
	unsigned int n = BT_SEAL_HASH;

	if (!HMAC(EVP_sha256(), key, BT_SEAL_KEY, data, len, out, &n) ||
	    n != BT_SEAL_HASH)
		return crypto_fail("HMAC-SHA256");
	return 0;
}

static int sha256(uint8_t out[BT_SEAL_HASH], const void *a, size_t alen,
		  const void *b, size_t blen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	if (!ctx)
		return bt_error_set(BT_ENOMEM, "out of memory");
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
	     EVP_DigestUpdate(ctx, a, alen) &&
	     (!blen || EVP_DigestUpdate(ctx, b, blen)) &&
	     EVP_DigestFinal_ex(ctx, out, NULL);
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : crypto_fail("SHA-256");
}

/* The tag of the first OFF_TAG bytes of an encoded seal, with K_e. */
static int seal_tag(uint8_t out[BT_SEAL_HASH], const uint8_t *enc,
		    const struct bt_seal_key *k)
{
	uint8_t t[BT_SEAL_HASH];
	int r;

	r = hmac(t, k->key, tag_label, sizeof(tag_label) - 1);
	if (!r)
		r = hmac(out, t, enc, OFF_TAG);
	OPENSSL_cleanse(t, sizeof(t));
	return r;
}

/* ---- the chain --------------------------------------------------------- */

int bt_seal_chain_init(struct bt_seal_chain *c)
{
	memset(c, 0, sizeof(*c));
	c->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	c->ctx = EVP_MD_CTX_new();
	if (!c->md || !c->ctx) {
		bt_seal_chain_release(c);
		return crypto_fail("SHA-256 setup");
	}
	return sha256(c->h, chain_label, sizeof(chain_label) - 1, NULL, 0);
}

void bt_seal_chain_release(struct bt_seal_chain *c)
{
	if (!c)
		return;
	EVP_MD_CTX_free(c->ctx);
	EVP_MD_free(c->md);
	c->ctx = NULL;
	c->md = NULL;
}

/* The canonical size: an event is 24 bytes (its head's y is `aux`, not
 * a length); every other record's head holds its length. */
static size_t canon_size(const struct bt_rec_head *h)
{
	return h->type == BT_REC_EVENT ? sizeof(struct bt_rec_event) : h->len;
}

int bt_seal_chain_add(struct bt_seal_chain *c, const struct bt_rec_head *h)
{
	if (h->type == BT_REC_SEAL)
		return bt_error_set(BT_EINVAL, "a seal is not chained");
	if (!EVP_DigestInit_ex(c->ctx, c->md, NULL) ||
	    !EVP_DigestUpdate(c->ctx, c->h, sizeof(c->h)) ||
	    !EVP_DigestUpdate(c->ctx, h, canon_size(h)) ||
	    !EVP_DigestFinal_ex(c->ctx, c->h, NULL))
		return crypto_fail("SHA-256");
	c->records++;
	return 0;
}

/* ---- keys -------------------------------------------------------------- */

static const char down_label[] = "btrack-seal-down";

/* out = HMAC-SHA256(key, label); out may be key. */
static int step(uint8_t *out, const uint8_t *key, const char *label)
{
	uint8_t t[BT_SEAL_HASH];
	int r = hmac(t, key, label, strlen(label));

	if (!r)
		memcpy(out, t, BT_SEAL_HASH);
	OPENSSL_cleanse(t, sizeof(t));
	return r;
}

static int key_id(uint8_t *id, const uint8_t *k0, uint64_t start,
		  uint64_t interval)
{
	uint8_t buf[BT_SEAL_KEY + 16], h[BT_SEAL_HASH];
	int r;

	memcpy(buf, k0, BT_SEAL_KEY);
	put_u64(buf + BT_SEAL_KEY, start);
	put_u64(buf + BT_SEAL_KEY + 8, interval);
	r = sha256(h, id_label, sizeof(id_label) - 1, buf, sizeof(buf));
	memcpy(id, h, BT_SEAL_ID);
	OPENSSL_cleanse(buf, sizeof(buf));
	return r;
}

#define F BT_SEAL_FANOUT

/*
 * Descend from node x (a level-0 node A_a when level is 0, else a level-1
 * node) to epoch e's leaf, filling the state's siblings below `level`.
 * x is consumed (overwritten).
 */
static int descend(struct bt_seal_key *k, uint8_t *x, int level, uint64_t e)
{
	uint64_t d, i;
	int r = 0;

	if (level == 0) {
		/* x = A_a: the level-1 node b */
		d = e / F % F;
		r = step(x, x, down_label);
		for (i = 0; i < d && !r; i++)
			r = step(x, x, next_label);
		if (!r)
			r = step(k->mid, x, next_label);
		if (r)
			return r;
	}
	d = e % F;
	r = step(x, x, down_label);
	for (i = 0; i < d && !r; i++)
		r = step(x, x, next_label);
	if (!r)
		memcpy(k->key, x, BT_SEAL_KEY);
	return r;
}

/* The state of epoch 0 from the root key K_0 = A_0. */
static int key_from_root(struct bt_seal_key *k, const uint8_t *k0,
			 uint64_t start, uint64_t interval)
{
	uint8_t x[BT_SEAL_KEY];
	int r;

	memset(k, 0, sizeof(*k));
	k->start = start;
	k->interval = interval;
	r = key_id(k->id, k0, start, interval);
	if (!r)
		r = step(k->top, k0, next_label);
	memcpy(x, k0, sizeof(x));
	if (!r)
		r = descend(k, x, 0, 0);
	OPENSSL_cleanse(x, sizeof(x));
	return r;
}

void bt_seal_key_wipe(struct bt_seal_key *k)
{
	if (k)
		OPENSSL_cleanse(k, sizeof(*k));
}

int bt_seal_key_seek(struct bt_seal_key *k, uint64_t e)
{
	uint64_t a = k->epoch / F / F, ea = e / F / F;
	uint64_t b = k->epoch / F % F, eb = e / F % F, i;
	uint8_t x[BT_SEAL_KEY];
	int r = 0;

	if (e < k->epoch)
		return bt_error_set(BT_EINVAL, "a sealing key cannot go back "
				    "from epoch %" PRIu64 " to %" PRIu64,
				    k->epoch, e);
	if (ea > a) {
		/* k->top is A_{a+1}: walk to A_ea, keep A_{ea+1} */
		memcpy(x, k->top, sizeof(x));
		for (i = a + 1; i < ea && !r; i++)
			r = step(x, x, next_label);
		if (!r)
			r = step(k->top, x, next_label);
		if (!r)
			r = descend(k, x, 0, e);
	} else if (eb > b) {
		/* k->mid is B_{b+1}: walk to B_eb */
		memcpy(x, k->mid, sizeof(x));
		for (i = b + 1; i < eb && !r; i++)
			r = step(x, x, next_label);
		if (!r)
			r = step(k->mid, x, next_label);
		if (!r)
			r = descend(k, x, 1, e);
	} else {
		for (i = k->epoch; i < e && !r; i++)
			r = step(k->key, k->key, next_label);
	}
	OPENSSL_cleanse(x, sizeof(x));
	if (r)
		return r;
	k->epoch = e;
	return 0;
}

int bt_seal_key_epoch(uint64_t *out, const struct bt_seal_key *k,
		      uint64_t t)
{
	if (t < k->start)
		return bt_error_set(BT_EINVAL, "time before the key's start");
	*out = (t - k->start) / k->interval;
	return 0;
}

static const char state_magic[] = "btrack-seal-state 1\n";
static const char verify_magic[] = "btrack-seal-verify 1\n";

static void hex(char *out, const uint8_t *p, size_t n)
{
	static const char d[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = '\0';
}

size_t bt_seal_key_format_state(char *buf, const struct bt_seal_key *k)
{
	char id[2 * BT_SEAL_ID + 1], t[2 * BT_SEAL_KEY + 1];
	char m[2 * BT_SEAL_KEY + 1], e[2 * BT_SEAL_KEY + 1];
	int n;

	hex(id, k->id, BT_SEAL_ID);
	hex(t, k->top, BT_SEAL_KEY);
	hex(m, k->mid, BT_SEAL_KEY);
	hex(e, k->key, BT_SEAL_KEY);
	n = snprintf(buf, BT_SEAL_KEYFILE_MAX, "%sid %s\nstart %020" PRIu64
		     "\ninterval %020" PRIu64 "\nepoch %020" PRIu64
		     "\ntop %s\nmid %s\nkey %s\n", state_magic, id, k->start,
		     k->interval, k->epoch, t, m, e);
	OPENSSL_cleanse(t, sizeof(t));
	OPENSSL_cleanse(m, sizeof(m));
	OPENSSL_cleanse(e, sizeof(e));
	return (size_t)n;
}

static size_t format_verify(char *buf, const uint8_t *id, uint64_t start,
			    uint64_t interval, const uint8_t *k0)
{
	char ih[2 * BT_SEAL_ID + 1], kh[2 * BT_SEAL_KEY + 1];
	int n;

	hex(ih, id, BT_SEAL_ID);
	hex(kh, k0, BT_SEAL_KEY);
	n = snprintf(buf, BT_SEAL_KEYFILE_MAX, "%sid %s\nstart %020" PRIu64
		     "\ninterval %020" PRIu64 "\nkey %s\n", verify_magic, ih,
		     start, interval, kh);
	OPENSSL_cleanse(kh, sizeof(kh));
	return (size_t)n;
}

/* Expect `lit` at *p, then advance. */
static bool take(const char **p, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(end - *p) < n || memcmp(*p, lit, n))
		return false;
	*p += n;
	return true;
}

static int unhex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* "NAME <2n hex digits>\n" */
static bool take_hex(const char **p, const char *end, const char *name,
		     uint8_t *out, size_t n)
{
	size_t i;

	if (!take(p, end, name) || (size_t)(end - *p) < 2 * n + 1)
		return false;
	for (i = 0; i < n; i++) {
		int hi = unhex_nibble((*p)[2 * i]);
		int lo = unhex_nibble((*p)[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*p += 2 * n;
	return take(p, end, "\n");
}

/* "NAME <20 decimal digits>\n" */
static bool take_u64(const char **p, const char *end, const char *name,
		     uint64_t *out)
{
	uint64_t v = 0;
	int i;

	if (!take(p, end, name) || end - *p < 21)
		return false;
	for (i = 0; i < 20; i++) {
		unsigned d = (unsigned)((*p)[i] - '0');

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*p += 20;
	*out = v;
	return take(p, end, "\n");
}

int bt_seal_key_parse(struct bt_seal_key *out, const char *text, size_t len,
		      bool state)
{
	const char *p = text, *end = text + len;
	struct bt_seal_key k;
	uint8_t id[BT_SEAL_ID], k0[BT_SEAL_KEY];
	bool ok;
	int r = 0;

	memset(&k, 0, sizeof(k));
	ok = take(&p, end, state ? state_magic : verify_magic) &&
	     take_hex(&p, end, "id ", id, BT_SEAL_ID) &&
	     take_u64(&p, end, "start ", &k.start) &&
	     take_u64(&p, end, "interval ", &k.interval);
	if (ok && state)
		ok = take_u64(&p, end, "epoch ", &k.epoch) &&
		     take_hex(&p, end, "top ", k.top, BT_SEAL_KEY) &&
		     take_hex(&p, end, "mid ", k.mid, BT_SEAL_KEY) &&
		     take_hex(&p, end, "key ", k.key, BT_SEAL_KEY);
	else if (ok)
		ok = take_hex(&p, end, "key ", k0, BT_SEAL_KEY);
	if (!ok || p != end) {
		r = bt_error_set(BT_ECORRUPT, "not a btrack %s file",
				 state ? "sealing state" : "verification key");
		goto out;
	}
	/* 1 ms to 1 day: a hostile interval must not make epochs absurd */
	if (k.interval < 1000000 || k.interval > 86400000000000ULL) {
		r = bt_error_set(BT_ECORRUPT, "bad key interval %" PRIu64
				 " ns", k.interval);
		goto out;
	}
	if (state) {
		memcpy(k.id, id, BT_SEAL_ID);
	} else {
		/* The id is a function of the rest: a damaged copy shows. */
		r = key_from_root(&k, k0, k.start, k.interval);
		if (!r && memcmp(id, k.id, BT_SEAL_ID))
			r = bt_error_set(BT_ECORRUPT, "verification key does "
					 "not match its id");
		if (r)
			goto out;
	}
	*out = k;
out:
	OPENSSL_cleanse(&k, sizeof(k));
	OPENSSL_cleanse(k0, sizeof(k0));
	return r;
}

static ssize_t read_all(int fd, char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = pread(fd, buf + got, n - got, (off_t)got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (ssize_t)got;
}

static int open_key(const char *path, int flags)
{
	int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return bt_error_set_os(errno == ENOENT ? BT_ENOTFOUND :
				       BT_EIO, "cannot open key '%s'", path);
	return fd;
}

/* Read and parse the key file open on fd. */
static int read_key(struct bt_seal_key *out, int fd, const char *path,
		    bool state)
{
	char buf[BT_SEAL_KEYFILE_MAX + 1];
	ssize_t n = read_all(fd, buf, sizeof(buf));
	int r;

	if (n < 0)
		return bt_error_set_os(BT_EIO, "cannot read key '%s'", path);
	if ((size_t)n > BT_SEAL_KEYFILE_MAX)
		r = bt_error_set(BT_ECORRUPT, "not a btrack key file (too "
				 "long)");
	else
		r = bt_seal_key_parse(out, buf, (size_t)n, state);
	if (r == BT_ECORRUPT) {
		char msg[256];

		/* the message is an argument: copy it out first */
		snprintf(msg, sizeof(msg), "%s", bt_error_msg());
		r = bt_error_set(BT_ECORRUPT, "'%s': %s", path, msg);
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return r;
}

int bt_seal_key_load(struct bt_seal_key *out, const char *path, bool state)
{
	int fd = open_key(path, O_RDONLY), r;

	if (fd < 0)
		return fd;
	r = read_key(out, fd, path, state);
	close(fd);
	return r;
}

static int write_new(const char *dir, const char *name, const char *text,
		     size_t len)
{
	char path[4096];
	int fd, r = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return bt_error_set(BT_EINVAL, "path too long: '%s'", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0)
		return bt_error_set_os(errno == EEXIST ? BT_EINVAL : BT_EIO,
				       "cannot create '%s'", path);
	if (write(fd, text, len) != (ssize_t)len || fsync(fd))
		r = bt_error_set_os(BT_EIO, "cannot write '%s'", path);
	if (close(fd) && !r)
		r = bt_error_set_os(BT_EIO, "cannot write '%s'", path);
	if (r)
		unlink(path);
	return r;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int bt_seal_keys_create(uint8_t *id_out, const char *dir)
{
	struct bt_seal_key k;
	uint8_t k0[BT_SEAL_KEY];
	char text[BT_SEAL_KEYFILE_MAX];
	char path[4096];
	uint64_t start = now_ns();
	size_t n;
	int r;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return bt_error_set_os(BT_EIO, "cannot create '%s'", dir);
	if (RAND_bytes(k0, sizeof(k0)) != 1)
		return crypto_fail("RAND_bytes");
	r = key_from_root(&k, k0, start, BT_SEAL_INTERVAL);
	if (r)
		goto out;
	n = format_verify(text, k.id, start, BT_SEAL_INTERVAL, k0);
	r = write_new(dir, BT_SEAL_VERIFY_NAME, text, n);
	if (r)
		goto out;
	n = bt_seal_key_format_state(text, &k);
	r = write_new(dir, BT_SEAL_STATE_NAME, text, n);
	if (r) {
		snprintf(path, sizeof(path), "%s/%s", dir,
			 BT_SEAL_VERIFY_NAME);
		unlink(path);
		goto out;
	}
	memcpy(id_out, k.id, BT_SEAL_ID);
out:
	OPENSSL_cleanse(text, sizeof(text));
	OPENSSL_cleanse(k0, sizeof(k0));
	bt_seal_key_wipe(&k);
	return r;
}

/* ---- sealing ----------------------------------------------------------- */

static void nap_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ULL),
			       (long)(ns % 1000000000ULL) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int bt_seal_make(uint8_t *out, const char *state_path,
		 const struct bt_seal_chain *c, bool final)
{
	struct bt_seal_key k;
	struct bt_seal s;
	char text[BT_SEAL_KEYFILE_MAX];
	uint64_t t, et = 0, e;
	size_t n;
	int fd, r;

	memset(&k, 0, sizeof(k));
	fd = open_key(state_path, O_RDWR);
	if (fd < 0)
		return fd;
	/* One sealer at a time: two must never tag with the same epoch. */
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			r = bt_error_set_os(BT_EIO, "cannot lock '%s'",
					    state_path);
			goto out;
		}
	}
	r = read_key(&k, fd, state_path, true);
	if (r)
		goto out;
	/* The epoch: that of now, or the state's when it is ahead (seals
	 * made in this interval already).  A seal may be dated at most one
	 * interval before its epoch: wait for that, if need be. */
	t = now_ns();
	if ((r = bt_seal_key_epoch(&et, &k, t)))
		goto clock;
	if (k.epoch > et + 1) {
		/* up to 2 s: a clock stepped back by NTP, or seals in quick
		 * succession; further back is a clock to fix first */
		uint64_t until = k.start + (k.epoch - 1) * k.interval;

		if (until - t > 2000000000ULL)
			goto clock;
		nap_ns(until - t);
		t = now_ns();
		if ((r = bt_seal_key_epoch(&et, &k, t)) || k.epoch > et + 1)
			goto clock;
	}
	e = k.epoch > et ? k.epoch : et;
	r = bt_seal_key_seek(&k, e);
	if (r)
		goto out;
	memset(&s, 0, sizeof(s));
	s.version = BT_SEAL_VERSION;
	s.flags = final ? BT_SEALF_FINAL : 0;
	memcpy(s.id, k.id, BT_SEAL_ID);
	s.epoch = e;
	s.records = c->records;
	s.time = t;
	memcpy(s.chain, c->h, BT_SEAL_HASH);
	bt_seal_encode(out, &s);
	r = seal_tag(out + OFF_TAG, out, &k);
	if (r)
		goto out;
	/* Forward security: E_e leaves the disk before its seal exists, and
	 * the state moves past the window of t, so that no seal made with
	 * it can be dated at or before t.  The text has a fixed length, so
	 * this overwrites it in place. */
	r = bt_seal_key_seek(&k, et + 2);
	if (r)
		goto out;
	n = bt_seal_key_format_state(text, &k);
	if (pwrite(fd, text, n, 0) != (ssize_t)n || fdatasync(fd) < 0)
		r = bt_error_set_os(BT_EIO, "cannot update the sealing state "
				    "'%s'", state_path);
	OPENSSL_cleanse(text, sizeof(text));
	goto out;
clock:
	r = bt_error_set(BT_EINVAL, "the clock is behind the sealing state "
			 "'%s' (epoch %" PRIu64 "): was it set back?",
			 state_path, k.epoch);
out:
	if (r)
		memset(out, 0, BT_SEAL_SIZE);
	bt_seal_key_wipe(&k);
	close(fd);   /* drops the lock */
	return r;
}

struct bt_sealer {
	char *state_path, *log_path;
	struct bt_seal_chain chain;
	uint64_t every_ns;
	uint64_t last;        /* time of the last seal (or of the start) */
	uint64_t size;        /* the writer's size after the last seal */
	uint64_t count;       /* seals appended */
	struct bt_seal seal;  /* the last one */
	int error;
	char msg[256];
	/* The log read back, kept open between seals: each seal refreshes
	 * it (bt_log_refresh()) and the iterator, which returned 0 at the
	 * end of the last catch-up, goes on with the new records only. */
	struct bt_log *log;
	struct bt_log_iter it;
	uint64_t seen;        /* non-seal records the iterator returned */
};

int bt_sealer_new(struct bt_sealer **out, const char *state_path,
		  const char *log_path, uint64_t every_ns)
{
	struct bt_sealer *s;
	struct bt_seal_key k;
	int r;

	*out = NULL;
	/* Fail early on a state that cannot seal. */
	r = bt_seal_key_load(&k, state_path, true);
	bt_seal_key_wipe(&k);
	if (r)
		return r;
	s = calloc(1, sizeof(*s));
	if (!s)
		return bt_error_set(BT_ENOMEM, "out of memory");
	s->state_path = strdup(state_path);
	s->log_path = strdup(log_path);
	if (!s->state_path || !s->log_path) {
		bt_sealer_free(s);
		return bt_error_set(BT_ENOMEM, "out of memory");
	}
	r = bt_seal_chain_init(&s->chain);
	if (r) {
		bt_sealer_free(s);
		return r;
	}
	s->every_ns = every_ns;
	s->last = now_ns();
	*out = s;
	return 0;
}

void bt_sealer_free(struct bt_sealer *s)
{
	if (!s)
		return;
	bt_seal_chain_release(&s->chain);
	if (s->log) {
		bt_log_iter_release(&s->it);
		bt_log_close(s->log);
	}
	free(s->state_path);
	free(s->log_path);
	free(s);
}

/*
 * Bring the chain up to the committed end of the log, reading only what
 * was committed since the last seal.  The log is read back through the
 * reader (which validates it and gives the canonical form whatever the
 * on-disk format), opened at the first seal and refreshed at each next
 * one (bt_log_refresh(): the committed length again, the last block
 * extended, new blocks added); the iterator continues where it stopped.
 * So a seal costs what was added since the last, not the whole log; and a
 * record changed on disk after it was chained does not change the chain
 * (it is not read again).  A committed length that went back, or a file
 * replaced or rewritten, is an error of the refresh (BT_ECORRUPT,
 * BT_EINVAL).
 */
static int catch_up(struct bt_sealer *s)
{
	const struct bt_rec_head *h;
	int r;

	if (!s->log) {
		r = bt_log_open(&s->log, s->log_path);
		if (r)
			return r;
		bt_log_iter_init(&s->it, s->log);
		s->seen = 0;
	} else if ((r = bt_log_refresh(s->log, NULL))) {
		return r;
	}
	while ((r = bt_log_next(&s->it, &h)) == 1) {
		if (h->type == BT_REC_SEAL)
			continue;
		if (++s->seen <= s->chain.records)
			continue;
		r = bt_seal_chain_add(&s->chain, h);
		if (r)
			break;
	}
	if (r == 0 && s->seen < s->chain.records)
		r = bt_error_set(BT_ECORRUPT, "log '%s' lost records while "
				 "being sealed (%" PRIu64 " of %" PRIu64 ")",
				 s->log_path, s->seen, s->chain.records);
	if (r) {
		/* start afresh at the next seal (records are skipped by
		 * count, never chained twice) */
		bt_log_iter_release(&s->it);
		bt_log_close(s->log);
		s->log = NULL;
	}
	return r;
}

int bt_sealer_seal(struct bt_sealer *s, struct bt_log_writer *w, bool final)
{
	uint8_t seal[BT_SEAL_SIZE];
	uint64_t t = now_ns();
	int r;

	bt_log_writer_commit(w);
	r = catch_up(s);
	if (r)
		return r;
	r = bt_seal_make(seal, s->state_path, &s->chain, final);
	if (r)
		return r;
	r = bt_log_append_seal(w, seal, sizeof(seal));
	if (r)
		return r;
	bt_log_writer_commit(w);
	s->last = t;
	s->size = bt_log_writer_size(w);
	s->count++;
	bt_seal_parse(&s->seal, seal, sizeof(seal));
	return 0;
}

void bt_sealer_tick(struct bt_sealer *s, struct bt_log_writer *w,
		    uint64_t now)
{
	int r;

	if (!s->every_ns || now - s->last < s->every_ns || s->error)
		return;
	/* Nothing new since the last seal: wait for records, not time. */
	if (bt_log_writer_size(w) == s->size)
		return;
	r = bt_sealer_seal(s, w, false);
	s->last = now;
	if (r) {
		s->error = r;
		snprintf(s->msg, sizeof(s->msg), "%s", bt_error_msg());
	}
}

uint64_t bt_sealer_count(const struct bt_sealer *s)
{
	return s->count;
}

const struct bt_seal *bt_sealer_last(const struct bt_sealer *s)
{
	return s->count ? &s->seal : NULL;
}

int bt_sealer_error(const struct bt_sealer *s, const char **msg)
{
	if (msg)
		*msg = s->error ? s->msg : NULL;
	return s->error;
}

/* ---- verifying --------------------------------------------------------- */

/* BT_ECORRUPT naming record n at offset off. */
static int bad_seal(uint64_t n, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad_seal(uint64_t n, uint64_t off, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return bt_error_set(BT_ECORRUPT, "record %" PRIu64 " (offset %" PRIu64
			    "): %s", n, off, msg);
}

int bt_seal_verify(const struct bt_log *log, const struct bt_seal_key *vk,
		   uint64_t now, struct bt_seal_report *out)
{
	struct bt_seal_chain c;
	struct bt_seal_key k = *vk;   /* moved forward as seals need */
	struct bt_log_iter it;
	const struct bt_rec_head *h;
	const struct bt_rec_seal *rs;
	struct bt_seal s;
	uint8_t enc[BT_SEAL_SIZE], tag[BT_SEAL_HASH];
	char idh[2 * BT_SEAL_ID + 1], idk[2 * BT_SEAL_ID + 1];
	uint64_t prev_epoch = 0, off, et = 0, n, horizon;
	bool any = false, last_final = false;
	int r;

	memset(out, 0, sizeof(*out));
	out->closed = bt_log_header(log)->flags & BT_LOGF_CLOSED;
	/* No honest seal is dated more than a day after the verifier's
	 * clock; the bound also caps the work a hostile epoch costs. */
	horizon = now + 86400000000000ULL;
	r = bt_seal_chain_init(&c);
	if (r)
		goto out_key;
	bt_log_iter_init(&it, log);
	for (;;) {
		off = it.off;
		r = bt_log_next(&it, &h);
		if (r <= 0)
			break;
		n = ++out->records;
		if (h->type != BT_REC_SEAL) {
			r = bt_seal_chain_add(&c, h);
			if (r)
				break;
			out->unproven++;
			continue;
		}
		rs = (const struct bt_rec_seal *)h;
		/* nothing hides in a seal record past its payload */
		if (h->len != ((sizeof(*rs) + rs->len + 7) & ~(size_t)7)) {
			r = bad_seal(n, off, "seal record of %u bytes for a "
				     "payload of %u", h->len, rs->len);
			break;
		}
		r = bt_seal_parse(&s, rs->data, rs->len);
		if (r) {
			r = bad_seal(n, off, "%s", bt_error_msg());
			break;
		}
		if (memcmp(s.id, vk->id, BT_SEAL_ID)) {
			hex(idh, s.id, BT_SEAL_ID);
			hex(idk, vk->id, BT_SEAL_ID);
			r = bad_seal(n, off, "sealed with key %s, not with "
				     "this key %s", idh, idk);
			break;
		}
		if (any && s.epoch <= prev_epoch) {
			r = bad_seal(n, off, "seal of epoch %" PRIu64 " after "
				     "one of epoch %" PRIu64, s.epoch,
				     prev_epoch);
			break;
		}
		if (s.time > horizon) {
			r = bad_seal(n, off, "seal dated more than a day "
				     "ahead of this clock");
			break;
		}
		if (bt_seal_key_epoch(&et, vk, s.time) ||
		    (et != s.epoch && et + 1 != s.epoch)) {
			r = bad_seal(n, off, "seal of epoch %" PRIu64 " dated "
				     "outside it: forged or changed",
				     s.epoch);
			break;
		}
		if (s.records != c.records) {
			r = bad_seal(n, off, "the seal covers %" PRIu64
				     " records but %" PRIu64 " precede it: "
				     "records were added or removed",
				     s.records, c.records);
			break;
		}
		/* The tag first: a chain mismatch under a good tag means the
		 * records changed, not the seal. */
		r = bt_seal_key_seek(&k, s.epoch);
		if (r)
			break;
		bt_seal_encode(enc, &s);
		r = seal_tag(tag, enc, &k);
		if (r)
			break;
		if (CRYPTO_memcmp(tag, s.tag, BT_SEAL_HASH)) {
			r = bad_seal(n, off, "the seal's tag does not match: "
				     "the seal was forged or changed");
			break;
		}
		if (CRYPTO_memcmp(c.h, s.chain, BT_SEAL_HASH)) {
			r = bad_seal(n, off, "records %" PRIu64 " to %" PRIu64
				     " were changed after they were sealed "
				     "(chain mismatch)", out->proven + 1,
				     n - 1);
			break;
		}
		if (!any)
			out->first = s;
		any = true;
		prev_epoch = s.epoch;
		last_final = s.flags & BT_SEALF_FINAL;
		out->seals++;
		out->proven = n;
		out->proven_off = off;
		out->last = s;
		out->unproven = 0;
	}
	bt_log_iter_release(&it);
	bt_seal_chain_release(&c);
	/* A file shorter than its committed length lost its end; a closed
	 * log whose last seal is not final lost its final seal. */
	if (r >= 0)
		out->truncated = bt_log_header(log)->committed >
				 bt_log_file_size(log) ||
				 (out->closed && any && !last_final);
out_key:
	bt_seal_key_wipe(&k);
	return r < 0 ? r : 0;
}
