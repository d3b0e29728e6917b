/*
 * pqdl.c - see pqdl.h.
 */
#define BT_PQDL_IMPL
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "error.h"
#include "pqdl.h"

struct bt_pq_fns bt_pq;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char why[256];   /* "" once loaded */

static void load(void)
{
	/* Debian's libpq5 (libpq-dev's libpq.so names the same file) */
	static const char *const names[] = { "libpq.so.5", "libpq.so" };
	const char *env = getenv("BTRACK_LIBPQ");
	void *h = NULL;
	size_t i;

	if (env && *env)   /* that one only */
		h = dlopen(env, RTLD_NOW | RTLD_LOCAL);
	for (i = 0; !h && !(env && *env) &&
		    i < sizeof(names) / sizeof(names[0]); i++)
		h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(why, sizeof(why), "%s", dlerror());
		return;
	}
#define BT_PQ_SYM(f) \
	if (!why[0] && !(*(void **)&bt_pq.f = dlsym(h, #f))) \
		snprintf(why, sizeof(why), "libpq has no %s", #f);
	BT_PQ_FUNCS(BT_PQ_SYM)
#undef BT_PQ_SYM
	/* kept open for the life of the process */
}

int bt_pq_load(void)
{
	pthread_once(&once, load);
	if (why[0])
		return bt_error_set(BT_EIO, "PostgreSQL case databases need "
				    "libpq (Debian package libpq5): %s", why);
	return 0;
}
