/* STUB: generated placeholder until the module lands; every function fails. */
#include "stddef.h"
#include "export.h"
#include "../core/error.h"
int bt_format_parse(enum bt_format *out, const char *name)
{
	return bt_error_set(BT_EINVAL, "bt_format_parse: not implemented");
}
int bt_format_from_path(enum bt_format *out, const char *path)
{
	return bt_error_set(BT_EINVAL, "bt_format_from_path: not implemented");
}
int bt_export(const struct bt_result *r, enum bt_format fmt, FILE *out)
{
	return bt_error_set(BT_EINVAL, "bt_export: not implemented");
}
size_t bt_node_label(const struct bt_result *r, size_t node, char *buf,
		     size_t n)
{
	return 0;
}
