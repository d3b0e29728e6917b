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

/* The page size (4096 if the system will not say). */
size_t bt_page_size(void);

/*
 * Advise transparent huge pages for the pages of [p, p + sz) when it is
 * large (4 MiB or more): filling it then takes a fault per 2 MiB instead
 * of per 4 KiB, and on a virtual machine a fault of fresh memory costs
 * tens of microseconds.  The whole of a malloc'd block's pages, not its
 * 2 MiB-aligned middle: a mapping split in parts cannot be moved by
 * mremap, and realloc would copy it.  Advice only: nothing fails without.
 */
void bt_advise_huge(void *p, size_t sz);

/* malloc() for a large array filled at once: from 4 MiB, on a 2 MiB
 * boundary and advised as above, so that its ends take huge pages too.
 * Freed with free(), grown with realloc(). */
void *bt_alloc_huge(size_t sz);

/* Fault [p, p + len) in for writing with one call rather than a fault
 * per page (MADV_POPULATE_WRITE, Linux 5.14); advice only. */
void bt_populate(void *p, size_t len);

#define BT_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
