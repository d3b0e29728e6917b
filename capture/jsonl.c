/* STUB: generated placeholder until the module lands; every function fails. */
#include "stddef.h"
#include "jsonl.h"
#include "../core/error.h"
int bt_jsonl_import(struct bt_ingest *ing, FILE *in, const char *name,
		    bool keep_going, struct bt_jsonl_stats *stats)
{
	return bt_error_set(BT_EINVAL, "bt_jsonl_import: not implemented");
}
int bt_jsonl_line_new(struct bt_jsonl_line **out)
{
	return bt_error_set(BT_EINVAL, "bt_jsonl_line_new: not implemented");
}
void bt_jsonl_line_free(struct bt_jsonl_line *l)
{
	
}
int bt_jsonl_parse(struct bt_jsonl_line *l, const char *line, size_t len,
		   struct bt_obs *o)
{
	return bt_error_set(BT_EINVAL, "bt_jsonl_parse: not implemented");
}
