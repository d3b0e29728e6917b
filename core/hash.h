/*
 * hash.h - open-addressing hash maps for interning: u64 key -> u32 value and
 * string key -> u32 value.
 *
 * Values are u32 (object ids; 0 is never stored, it means "absent").  The
 * string map copies keys into an arena it owns.  Growth doubles the table,
 * so inserting n keys costs O(n) amortised and allocates O(log n) times.
 * No deletion by tombstone: bt_*map_put(key, 0) marks a key absent again
 * (the key stays in the table).
 */
#ifndef BT_HASH_H
#define BT_HASH_H

#include <stddef.h>
#include <stdint.h>

struct bt_u64map {
	uint64_t *keys;
	uint32_t *vals;
	size_t cap;       /* power of two, or 0 */
	size_t used;      /* slots with a key */
};

void bt_u64map_init(struct bt_u64map *m);
void bt_u64map_release(struct bt_u64map *m);
/* 0 if absent. */
uint32_t bt_u64map_get(const struct bt_u64map *m, uint64_t key);
/* Insert or replace; BT_ENOMEM. */
int bt_u64map_put(struct bt_u64map *m, uint64_t key, uint32_t val);

struct bt_strmap {
	uint32_t *offs;   /* offset+1 of the key in arena, 0 = empty slot */
	uint32_t *vals;
	uint64_t *hashes;
	size_t cap;
	size_t used;
	char *arena;      /* NUL-terminated keys */
	size_t arena_len, arena_cap;
};

void bt_strmap_init(struct bt_strmap *m);
void bt_strmap_release(struct bt_strmap *m);
uint32_t bt_strmap_get(const struct bt_strmap *m, const char *key);
int bt_strmap_put(struct bt_strmap *m, const char *key, uint32_t val);

/* A 64-bit hash of bytes (FNV-1a folded through a mixer). */
uint64_t bt_hash_bytes(const void *p, size_t n);
uint64_t bt_hash_u64(uint64_t x);

#endif
