/* STUB: generated placeholder until the module lands; every function fails. */
#include "stddef.h"
#include "walk.h"
#include "error.h"
void bt_walk_opts_init(struct bt_walk_opts *o)
{
	
}
int bt_gran_parse(enum bt_gran *out, const char *name)
{
	return bt_error_set(BT_EINVAL, "bt_gran_parse: not implemented");
}
const char * bt_gran_name(enum bt_gran g)
{
	return NULL;
}
int bt_backtrack(struct bt_result **out, const struct bt_graph *g,
		 uint32_t start, const struct bt_walk_opts *o)
{
	return bt_error_set(BT_EINVAL, "bt_backtrack: not implemented");
}
int bt_forward(struct bt_result **out, const struct bt_graph *g,
	       uint32_t start, const struct bt_walk_opts *o)
{
	return bt_error_set(BT_EINVAL, "bt_forward: not implemented");
}
void bt_result_free(struct bt_result *r)
{
	
}
int bt_spec_resolve(uint32_t *out, uint64_t *out_time,
		    const struct bt_graph *g, const char *spec)
{
	return bt_error_set(BT_EINVAL, "bt_spec_resolve: not implemented");
}
