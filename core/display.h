/*
 * display.h - the one display rule for untrusted strings.
 *
 * Every string taken from evidence (paths, argv, addresses, host and
 * investigation names, alert fields) is untrusted: a hostile file name may
 * hold quotes, backslashes, newlines, terminal escape sequences or bytes
 * that are not UTF-8.  Everything btrack shows goes through this rule, so
 * that DOT, SVG, JSON, text and the terminal agree and the original bytes
 * can be recovered: a backslash is written "\\"; a byte that is not part of
 * valid UTF-8, a control character (C0, DEL, C1), a Unicode line/paragraph
 * separator or bidirectional override, and an '&' that starts something
 * looking like an XML entity are written "\xNN" per byte.
 */
#ifndef BT_DISPLAY_H
#define BT_DISPLAY_H

#include <stddef.h>

#include "strbuf.h"

/* Append the first n bytes of str, shown by the rule. */
void bt_show_strn(struct bt_sb *b, const char *str, size_t n);
/* The same for a C string (NULL shows as ""). */
void bt_show_str(struct bt_sb *b, const char *s);

#endif
