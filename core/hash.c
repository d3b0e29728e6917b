/*
 * hash.c - open-addressing hash maps for interning (see hash.h).
 *
 * Both maps use linear probing over a power-of-two table and keep the load
 * factor at or below 0.7 (counting every slot that holds a key, including
 * keys whose value was set back to 0, since there is no deletion).  Growth
 * doubles the table with overflow-checked sizes and rehashes in place into a
 * new allocation, so inserting n keys allocates O(log n) times.  The string
 * map stores keys in one arena it owns and remembers each key's hash, so
 * rehashing never touches the key bytes.  Nothing here prints or exits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "hash.h"

#define MIN_CAP 16

/* used + 1 must stay <= 0.7 * cap. */
static int over_load(size_t used, size_t cap)
{
	return cap == 0 || (used + 1) * 10 > cap * 7;
}

static int next_cap(size_t cap, size_t *out)
{
	size_t n = cap ? cap : MIN_CAP / 2;

	if (n > SIZE_MAX / 2)
		return bt_error_set(BT_ENOMEM, "hash table too large");
	n *= 2;
	/* Both maps keep parallel arrays of at most 8-byte elements. */
	if (n > SIZE_MAX / sizeof(uint64_t))
		return bt_error_set(BT_ENOMEM, "hash table too large");
	*out = n;
	return 0;
}

uint64_t bt_hash_u64(uint64_t x)
{
	/* splitmix64's finaliser: every input bit affects every output bit. */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

uint64_t bt_hash_bytes(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return bt_hash_u64(h ^ n);
}

/* ---- u64 -> u32 ------------------------------------------------------- */

/*
 * The header fixes struct bt_u64map's fields, so the key-0 slot cannot be a
 * field.  We store it in the table instead: the table is allocated with one
 * extra trailing slot at index cap, where keys[cap] is 1 when key 0 is
 * present and vals[cap] is its value.  Ordinary slots use key 0 to mean
 * empty.
 */

void bt_u64map_init(struct bt_u64map *m)
{
	memset(m, 0, sizeof(*m));
}

void bt_u64map_release(struct bt_u64map *m)
{
	if (!m)
		return;
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

uint32_t bt_u64map_get(const struct bt_u64map *m, uint64_t key)
{
	size_t mask, i;

	if (!m->cap)
		return 0;
	if (key == 0)
		return m->keys[m->cap] ? m->vals[m->cap] : 0;
	mask = m->cap - 1;
	for (i = bt_hash_u64(key) & mask;; i = (i + 1) & mask) {
		if (m->keys[i] == key)
			return m->vals[i];
		if (m->keys[i] == 0)
			return 0;
	}
}

static int u64_grow(struct bt_u64map *m)
{
	size_t ncap = 0, i, j, mask;
	uint64_t *nk;
	uint32_t *nv;

	if (next_cap(m->cap, &ncap))
		return BT_ENOMEM;
	nk = calloc(ncap + 1, sizeof(*nk));
	nv = calloc(ncap + 1, sizeof(*nv));
	if (!nk || !nv) {
		free(nk);
		free(nv);
		return bt_error_set(BT_ENOMEM, "out of memory");
	}
	mask = ncap - 1;
	for (i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		for (j = bt_hash_u64(m->keys[i]) & mask; nk[j];
		     j = (j + 1) & mask)
			;
		nk[j] = m->keys[i];
		nv[j] = m->vals[i];
	}
	if (m->cap) {
		nk[ncap] = m->keys[m->cap];
		nv[ncap] = m->vals[m->cap];
	}
	free(m->keys);
	free(m->vals);
	m->keys = nk;
	m->vals = nv;
	m->cap = ncap;
	return 0;
}

int bt_u64map_put(struct bt_u64map *m, uint64_t key, uint32_t val)
{
	size_t mask, i;

	if (!m->cap && u64_grow(m))
		return BT_ENOMEM;
	if (key == 0) {
		m->keys[m->cap] = 1;
		m->vals[m->cap] = val;
		return 0;
	}
	mask = m->cap - 1;
	for (i = bt_hash_u64(key) & mask;; i = (i + 1) & mask) {
		if (m->keys[i] == key) {
			m->vals[i] = val;
			return 0;
		}
		if (m->keys[i] == 0)
			break;
	}
	/* A new key.  Putting 0 for an absent key changes nothing. */
	if (val == 0)
		return 0;
	if (over_load(m->used, m->cap)) {
		if (u64_grow(m))
			return BT_ENOMEM;
		mask = m->cap - 1;
		for (i = bt_hash_u64(key) & mask; m->keys[i];
		     i = (i + 1) & mask)
			;
	}
	m->keys[i] = key;
	m->vals[i] = val;
	m->used++;
	return 0;
}

/* ---- string -> u32 ---------------------------------------------------- */

void bt_strmap_init(struct bt_strmap *m)
{
	memset(m, 0, sizeof(*m));
}

void bt_strmap_release(struct bt_strmap *m)
{
	if (!m)
		return;
	free(m->offs);
	free(m->vals);
	free(m->hashes);
	free(m->arena);
	memset(m, 0, sizeof(*m));
}

static size_t str_find(const struct bt_strmap *m, const char *key,
		       uint64_t h, int *found)
{
	size_t mask = m->cap - 1, i;

	for (i = h & mask;; i = (i + 1) & mask) {
		if (!m->offs[i]) {
			*found = 0;
			return i;
		}
		if (m->hashes[i] == h &&
		    !strcmp(m->arena + m->offs[i] - 1, key)) {
			*found = 1;
			return i;
		}
	}
}

uint32_t bt_strmap_get(const struct bt_strmap *m, const char *key)
{
	int found;
	size_t i;

	if (!m->cap)
		return 0;
	i = str_find(m, key, bt_hash_bytes(key, strlen(key)), &found);
	return found ? m->vals[i] : 0;
}

static int str_grow(struct bt_strmap *m)
{
	size_t ncap = 0, i, j, mask;
	uint32_t *no, *nv;
	uint64_t *nh;

	if (next_cap(m->cap, &ncap))
		return BT_ENOMEM;
	no = calloc(ncap, sizeof(*no));
	nv = calloc(ncap, sizeof(*nv));
	nh = calloc(ncap, sizeof(*nh));
	if (!no || !nv || !nh) {
		free(no);
		free(nv);
		free(nh);
		return bt_error_set(BT_ENOMEM, "out of memory");
	}
	mask = ncap - 1;
	for (i = 0; i < m->cap; i++) {
		if (!m->offs[i])
			continue;
		for (j = m->hashes[i] & mask; no[j]; j = (j + 1) & mask)
			;
		no[j] = m->offs[i];
		nv[j] = m->vals[i];
		nh[j] = m->hashes[i];
	}
	free(m->offs);
	free(m->vals);
	free(m->hashes);
	m->offs = no;
	m->vals = nv;
	m->hashes = nh;
	m->cap = ncap;
	return 0;
}

int bt_strmap_put(struct bt_strmap *m, const char *key, uint32_t val)
{
	size_t klen = strlen(key), i, need;
	uint64_t h = bt_hash_bytes(key, klen);
	int found;

	if (!m->cap && str_grow(m))
		return BT_ENOMEM;
	i = str_find(m, key, h, &found);
	if (found) {
		m->vals[i] = val;
		return 0;
	}
	if (val == 0)
		return 0;
	/* Offsets are u32 (offset + 1): the arena stays below 4 GiB. */
	if (klen >= UINT32_MAX - 1 || m->arena_len > UINT32_MAX - 2 - klen)
		return bt_error_set(BT_ENOMEM, "string map arena too large");
	need = m->arena_len + klen + 1;
	if (need > m->arena_cap) {
		size_t ncap = m->arena_cap ? m->arena_cap : 4096;
		char *na;

		while (ncap < need) {
			if (ncap > SIZE_MAX / 2)
				return bt_error_set(BT_ENOMEM,
						    "string map arena too large");
			ncap *= 2;
		}
		na = realloc(m->arena, ncap);
		if (!na)
			return bt_error_set(BT_ENOMEM, "out of memory");
		m->arena = na;
		m->arena_cap = ncap;
	}
	if (over_load(m->used, m->cap)) {
		if (str_grow(m))
			return BT_ENOMEM;
		i = str_find(m, key, h, &found);
	}
	memcpy(m->arena + m->arena_len, key, klen + 1);
	m->offs[i] = (uint32_t)(m->arena_len + 1);
	m->vals[i] = val;
	m->hashes[i] = h;
	m->arena_len = need;
	m->used++;
	return 0;
}
