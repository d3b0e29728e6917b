/*
 * fuzz_drain.c - libFuzzer target for the kernel ring drainer: the input
 * is the ring's bytes (what a buggy or hostile module could leave there),
 * its first 8 bytes the head the control page claims.  Draining must
 * validate everything and never crash, read out of bounds or loop.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../capture/drain.h"

#define RSIZE 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int emit(void *ctx, const struct bt_obs *o)
{
	size_t *n = ctx;

	/* Touch what the drainer hands out: strings must be C strings. */
	if (o->path)
		(void)strlen(o->path);
	if (o->new_path)
		(void)strlen(o->new_path);
	if (o->remote)
		(void)strlen(o->remote);
	(*n)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t ring[RSIZE] __attribute__((aligned(8)));
	struct bt_ring_ctl ctl;
	struct bt_ring_ctl *c[1] = { &ctl };
	static int once;
	const uint8_t *d[1] = { ring };
	struct bt_drain *dr = NULL;
	uint64_t head = 0;
	size_t n = 0;
	struct bt_obs_sink sink = { emit, &n };
	int i;

	if (!once++)    /* FORK, EXEC cgroup ids: no walks of the host's */
		bt_cgroup_set_root("/nonexistent/btrack-fuzz");
	if (size < 8)
		return 0;
	memcpy(&head, data, 8);
	memset(&ctl, 0, sizeof(ctl));
	memset(ring, 0, sizeof(ring));
	memcpy(ring, data + 8, size - 8 < RSIZE ? size - 8 : RSIZE);
	ctl.head = head;
	if (bt_drain_new_mem(&dr, 1, c, d, RSIZE))
		abort();
	/* A few polls: the hostile head stays, as a stuck module's would. */
	for (i = 0; i < 4; i++)
		(void)bt_drain_poll_sink(dr, UINT64_MAX / 2, true, 0, &sink,
					 NULL);
	bt_drain_close(dr);
	return 0;
}
