/* STUB: generated placeholder until the module lands; every function fails. */
#include "stddef.h"
#include "gen.h"
#include "../core/error.h"
int bt_gen(struct bt_log_writer *w, const struct bt_gen_opts *o,
	   struct bt_gen_info *out)
{
	return bt_error_set(BT_EINVAL, "bt_gen: not implemented");
}
