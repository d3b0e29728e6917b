/* STUB: generated placeholder until the module lands; every function fails. */
#include "stddef.h"
#include "pagering.h"
#include "../core/error.h"
int bt_pagering_create(struct bt_pagering **out, uint32_t nslots,
		       int *out_fd)
{
	return bt_error_set(BT_EINVAL, "bt_pagering_create: not implemented");
}
int bt_pagering_drain(struct bt_pagering *r, bool final,
		      int (*fn)(void *arg, const struct bt_raw *raw),
		      void *arg)
{
	return bt_error_set(BT_EINVAL, "bt_pagering_drain: not implemented");
}
void bt_pagering_stats(const struct bt_pagering *r,
		       struct bt_pagering_stats *out)
{
	
}
void bt_pagering_free(struct bt_pagering *r)
{
	
}
