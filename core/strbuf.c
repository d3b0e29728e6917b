/*
 * strbuf.c - a growing string (core/strbuf.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "util.h"

void bt_sb_addn(struct bt_sb *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap &&
	    bt_grow(&b->buf, &b->cap, b->len + n + 1, 1)) {
		b->oom = true;
		return;
	}
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

void bt_sb_adds(struct bt_sb *b, const char *s)
{
	bt_sb_addn(b, s, strlen(s));
}

void bt_sb_addf(struct bt_sb *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(tmp)) {
		bt_sb_addn(b, tmp, (size_t)n);
		return;
	}
	/* Long: format again into the buffer itself. */
	if (b->oom || bt_grow(&b->buf, &b->cap, b->len + (size_t)n + 1, 1)) {
		b->oom = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void bt_sb_reset(struct bt_sb *b)
{
	b->len = 0;
	if (b->buf)
		b->buf[0] = '\0';
}

const char *bt_sb_str(struct bt_sb *b)
{
	return b->buf ? b->buf : "";
}

void bt_sb_release(struct bt_sb *b)
{
	free(b->buf);
	b->buf = NULL;
	b->len = b->cap = 0;
}
