/* STUB: generated placeholder until the module lands; every function fails. */
#include "stddef.h"
#include "ingest.h"
#include "error.h"
void bt_obs_init(struct bt_obs *o)
{
	
}
int bt_ingest_new(struct bt_ingest **out, struct bt_log_writer *w)
{
	return bt_error_set(BT_EINVAL, "bt_ingest_new: not implemented");
}
int bt_ingest_add(struct bt_ingest *ing, const struct bt_obs *o)
{
	return bt_error_set(BT_EINVAL, "bt_ingest_add: not implemented");
}
void bt_ingest_stats(const struct bt_ingest *ing, struct bt_ingest_stats *out)
{
	
}
void bt_ingest_free(struct bt_ingest *ing)
{
	
}
const char * bt_raw_op_name(unsigned op)
{
	return NULL;
}
int bt_raw_op_parse(unsigned *out, const char *name)
{
	return bt_error_set(BT_EINVAL, "bt_raw_op_parse: not implemented");
}
