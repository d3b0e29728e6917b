/*
 * jsonbuild.h - small helpers the JSON-based formats share (json.c,
 * prov.c, html.c): untrusted strings through the display rule
 * (core/display.h), and setters that remember a failure so a writer
 * checks once at the end.  Internal to graph/.
 */
#ifndef BT_JSONBUILD_H
#define BT_JSONBUILD_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "../core/strbuf.h"

/* The first n bytes of s (NULL: ""), shown by the rule (so valid UTF-8),
 * as a new JSON string; NULL when out of memory.  tmp is scratch. */
json_t *bt_jstrn(struct bt_sb *tmp, const char *s, size_t n);
/* The same for a C string. */
json_t *bt_jstr(struct bt_sb *tmp, const char *s);
/* Set key to v (stolen) / append v (stolen); a NULL v or a failure sets
 * *bad. */
void bt_jset(json_t *o, const char *key, json_t *v, bool *bad);
void bt_jpush(json_t *a, json_t *v, bool *bad);

#endif
