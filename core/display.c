/*
 * display.c - the display rule for untrusted strings (core/display.h).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "display.h"

/* Length of the valid UTF-8 sequence at s (1..4) and its code point, or 0
 * if the bytes there are not valid UTF-8 (overlong, surrogate, too large,
 * truncated). */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static bool cp_unsafe(uint32_t c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) ||
	       c == 0x2028 || c == 0x2029 || (c >= 0x202a && c <= 0x202e) ||
	       (c >= 0x2066 && c <= 0x2069) || c == 0x200e || c == 0x200f ||
	       c == 0x061c;
}

/* "&name;" or "&#123;": what graphviz and SVG viewers would decode. */
static bool looks_like_entity(const unsigned char *s, size_t n)
{
	size_t i;

	for (i = 1; i < n && i < 34; i++) {
		if (s[i] == ';')
			return i > 1;
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '#'))
			return false;
	}
	return false;
}

void bt_show_strn(struct bt_sb *b, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, k, run = 0;
	uint32_t cp;

	while (i < n) {
		k = utf8_seq(s + i, n - i, &cp);
		if (k && !cp_unsafe(cp) && cp != '\\' &&
		    !(cp == '&' && looks_like_entity(s + i, n - i))) {
			i += k;
			run += k;
			continue;
		}
		bt_sb_addn(b, str + i - run, run);
		run = 0;
		if (k == 1 && cp == '\\') {
			bt_sb_addn(b, "\\\\", 2);
			i++;
			continue;
		}
		if (!k)
			k = 1;
		while (k--)
			bt_sb_addf(b, "\\x%02x", s[i++]);
	}
	bt_sb_addn(b, str + i - run, run);
}

void bt_show_str(struct bt_sb *b, const char *s)
{
	bt_show_strn(b, s ? s : "", s ? strlen(s) : 0);
}
