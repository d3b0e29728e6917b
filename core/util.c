/*
 * util.c - see util.h.
 */
#include <stdint.h>
#include <stdlib.h>

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
