/*
 * html.c - a walk result as one self-contained HTML report (graph/export.h).
 * Not written yet: BT_EINVAL.
 */
#include <stdio.h>

#include "../core/error.h"
#include "render.h"

int export_html(const struct bt_result *r,
		const struct bt_export_opts *opts, FILE *out)
{
	(void)r;
	(void)opts;
	(void)out;
	return bt_error_set(BT_EINVAL, "this output format is not available yet");
}
