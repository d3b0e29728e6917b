/* STUB: generated placeholder until the module lands; every function fails. */
#include "stddef.h"
#include "hash.h"
#include "error.h"
void bt_u64map_init(struct bt_u64map *m)
{
	
}
void bt_u64map_release(struct bt_u64map *m)
{
	
}
uint32_t bt_u64map_get(const struct bt_u64map *m, uint64_t key)
{
	return 0;
}
int bt_u64map_put(struct bt_u64map *m, uint64_t key, uint32_t val)
{
	return bt_error_set(BT_EINVAL, "bt_u64map_put: not implemented");
}
void bt_strmap_init(struct bt_strmap *m)
{
	
}
void bt_strmap_release(struct bt_strmap *m)
{
	
}
uint32_t bt_strmap_get(const struct bt_strmap *m, const char *key)
{
	return 0;
}
int bt_strmap_put(struct bt_strmap *m, const char *key, uint32_t val)
{
	return bt_error_set(BT_EINVAL, "bt_strmap_put: not implemented");
}
uint64_t bt_hash_bytes(const void *p, size_t n)
{
	return 0;
}
uint64_t bt_hash_u64(uint64_t x)
{
	return 0;
}
