/*
 * fuzz_raw_decode.c - libFuzzer target for the raw-record decoder that the
 * eBPF source shares with the module's drainer (bt_drain_decode(),
 * capture/drain.h): the input is one ring-buffer sample, decoded with
 * every op accepted (the eBPF source's view) and with the module's.  It
 * must validate everything and hand out only C strings.
 */
#include <stdint.h>
#include <string.h>

#include "../../capture/drain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void touch(const struct bt_obs *o)
{
	size_t i;

	if (o->path)
		(void)strlen(o->path);
	if (o->new_path)
		(void)strlen(o->new_path);
	if (o->target)
		(void)strlen(o->target);
	if (o->remote)
		(void)strlen(o->remote);
	for (i = 0; i < o->argc; i++)
		(void)strlen(o->argv[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bt_raw_dec dec;
	static uint64_t buf[BT_RAW_MAX / 8 + 1];

	if (size > sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	if (bt_drain_decode(&dec, buf, size, BT_RAW_OP_MAX))
		touch(&dec.obs);
	if (bt_drain_decode(&dec, buf, size, BT_RAW_SEND))
		touch(&dec.obs);
	return 0;
}
