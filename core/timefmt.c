/* STUB: generated placeholder until the module lands; every function fails. */
#include "stddef.h"
#include "timefmt.h"
#include "error.h"
int bt_time_parse(uint64_t *out, const char *s)
{
	return bt_error_set(BT_EINVAL, "bt_time_parse: not implemented");
}
int bt_time_parse_rfc3339(uint64_t *out, const char *s)
{
	return bt_error_set(BT_EINVAL, "bt_time_parse_rfc3339: not implemented");
}
size_t bt_time_format(char *buf, size_t n, uint64_t ns)
{
	return 0;
}
uint64_t bt_time_now(void)
{
	return 0;
}
