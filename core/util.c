/*
 * util.c - see util.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "error.h"
#include "util.h"

int bt_grow(void *ptr, size_t *cap, size_t need, size_t size)
{
	void **p = ptr;
	size_t ncap = *cap ? *cap : 16;
	void *n;

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return bt_error_set(BT_ENOMEM, "array too large");
		ncap *= 2;
	}
	if (size && ncap > SIZE_MAX / size)
		return bt_error_set(BT_ENOMEM, "array too large");
	n = realloc(*p, ncap * size);
	if (!n)
		return bt_error_set(BT_ENOMEM, "out of memory");
	*p = n;
	*cap = ncap;
	return 0;
}

size_t bt_page_size(void)
{
	long pg = sysconf(_SC_PAGESIZE);

	return pg > 0 ? (size_t)pg : 4096;
}

void bt_advise_huge(void *p, size_t sz)
{
	uintptr_t pg = bt_page_size(), a, e;

	if (!p || sz < ((size_t)4 << 20))
		return;
	a = (uintptr_t)p & ~(pg - 1);
	e = ((uintptr_t)p + sz + pg - 1) & ~(pg - 1);
	(void)madvise((void *)a, e - a, MADV_HUGEPAGE);
}

void *bt_alloc_huge(size_t sz)
{
	const size_t huge = (size_t)2 << 20;
	void *p;

	if (sz < 2 * huge)
		return malloc(sz ? sz : 1);
	/* whole huge pages: the last one too */
	if (sz > SIZE_MAX - huge)
		return NULL;
	sz = (sz + huge - 1) & ~(huge - 1);
	if (posix_memalign(&p, huge, sz))
		return NULL;
	bt_advise_huge(p, sz);
	return p;
}

void bt_populate(void *p, size_t len)
{
#ifdef MADV_POPULATE_WRITE
	if (p && len)
		(void)madvise(p, len, MADV_POPULATE_WRITE);
#else
	(void)p;
	(void)len;
#endif
}
