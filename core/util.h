/*
 * util.h - small helpers every module uses: overflow-checked array growth.
 */
#ifndef BT_UTIL_H
#define BT_UTIL_H

#include <stddef.h>

/*
 * Make room for at least `need` elements of `size` bytes in *ptr, whose
 * capacity is *cap elements, growing geometrically.  Returns 0, or BT_ENOMEM
 * (with a message) on overflow or allocation failure, leaving *ptr and *cap
 * unchanged.  Use: if (need > cap && bt_grow(&a, &cap, need, sizeof(*a)))...
 */
int bt_grow(void *ptr, size_t *cap, size_t need, size_t size);

#define BT_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
