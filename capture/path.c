/*
 * path.c - lexical path joining for the capture sources (see path.h).
 */
#include <string.h>

#include "../core/error.h"
#include "path.h"

int bt_path_join(char *out, size_t n, const char *base, const char *rel)
{
	size_t len = 0, seg;
	const char *p, *src[2];
	int k;

	if (n < 2)
		return bt_error_set(BT_ELIMIT, "path buffer too small");
	if (!rel)
		return bt_error_set(BT_EINVAL, "no path");
	src[0] = rel[0] == '/' ? NULL : base;
	src[1] = rel;
	if (src[0] && src[0][0] != '/')
		return bt_error_set(BT_EINVAL, "base '%s' is not absolute",
				    base ? base : "");
	if (!src[0] && rel[0] != '/')
		return bt_error_set(BT_EINVAL, "no base for '%s'", rel);
	out[0] = '/';
	len = 1;
	for (k = 0; k < 2; k++) {
		if (!src[k])
			continue;
		for (p = src[k]; *p;) {
			while (*p == '/')
				p++;
			if (!*p)
				break;
			seg = strcspn(p, "/");
			if (seg == 1 && p[0] == '.') {
				/* nothing */
			} else if (seg == 2 && p[0] == '.' && p[1] == '.') {
				while (len > 1 && out[len - 1] != '/')
					len--;
				if (len > 1)
					len--;  /* the '/' before it */
			} else {
				if (len > 1) {
					if (len + 1 >= n)
						goto long_path;
					out[len++] = '/';
				}
				if (len + seg >= n)
					goto long_path;
				memcpy(out + len, p, seg);
				len += seg;
			}
			p += seg;
		}
	}
	out[len] = '\0';
	return 0;
long_path:
	out[0] = '\0';
	return bt_error_set(BT_ELIMIT, "path too long");
}
