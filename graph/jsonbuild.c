/*
 * jsonbuild.c - helpers shared by the JSON-based formats
 * (graph/jsonbuild.h).
 */
#include <string.h>

#include "../core/display.h"
#include "jsonbuild.h"

json_t *bt_jstrn(struct bt_sb *tmp, const char *s, size_t n)
{
	bt_sb_reset(tmp);
	bt_show_strn(tmp, s ? s : "", s ? n : 0);
	if (tmp->oom)
		return NULL;
	return json_stringn(bt_sb_str(tmp), tmp->len);
}

json_t *bt_jstr(struct bt_sb *tmp, const char *s)
{
	return bt_jstrn(tmp, s, s ? strlen(s) : 0);
}

void bt_jset(json_t *o, const char *key, json_t *v, bool *bad)
{
	if (!v || json_object_set_new(o, key, v))
		*bad = true;
}

void bt_jpush(json_t *a, json_t *v, bool *bad)
{
	if (!v || json_array_append_new(a, v))
		*bad = true;
}
