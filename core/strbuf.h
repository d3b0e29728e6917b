/*
 * strbuf.h - a growing string for building output.  Appends never fail:
 * out of memory sets `oom` and later appends do nothing, so a caller checks
 * once at the end.  Zero-initialise (struct bt_sb b = {0}); release with
 * bt_sb_release().
 */
#ifndef BT_STRBUF_H
#define BT_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct bt_sb {
	char *buf;
	size_t len, cap;
	bool oom;
};

void bt_sb_addn(struct bt_sb *b, const char *s, size_t n);
void bt_sb_adds(struct bt_sb *b, const char *s);
void __attribute__((format(printf, 2, 3)))
bt_sb_addf(struct bt_sb *b, const char *fmt, ...);
/* Empty the string, keeping its buffer. */
void bt_sb_reset(struct bt_sb *b);
/* The string so far ("" when empty); borrowed until the next append. */
const char *bt_sb_str(struct bt_sb *b);
void bt_sb_release(struct bt_sb *b);

#endif
