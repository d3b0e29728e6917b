/*
 * cgroup.c - the container id a cgroup path shows (see cgroup.h).
 *
 * Only a pattern over untrusted bytes: nothing is looked up, and a path
 * that merely looks like a container's says so (the label is the path;
 * the id is a reading of it).
 */
#include <stdbool.h>
#include <string.h>

#include "cgroup.h"

static const char *const prefixes[] = {
	"docker-", "libpod-", "crio-", "cri-containerd-", "containerd-",
};

static bool is_id(const char *s, size_t n)
{
	size_t i;

	if (n != BT_CONTAINER_ID_LEN)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* The id in one component [s, s + n), or NULL. */
static const char *component_id(const char *s, size_t n)
{
	size_t i, k;

	if (is_id(s, n))
		return s;
	if (n > 6 && !memcmp(s + n - 6, ".scope", 6))
		n -= 6;
	for (i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++) {
		k = strlen(prefixes[i]);
		if (n > k && !memcmp(s, prefixes[i], k) &&
		    is_id(s + k, n - k))
			return s + k;
	}
	return NULL;
}

size_t bt_cgroup_container(const char *p, size_t len, const char **id)
{
	size_t end = len, start;
	const char *r;

	*id = NULL;
	if (!p)
		return 0;
	while (end > 0) {
		start = end;
		while (start > 0 && p[start - 1] != '/')
			start--;
		if ((r = component_id(p + start, end - start))) {
			*id = r;
			return BT_CONTAINER_ID_LEN;
		}
		if (start == 0)
			break;
		end = start - 1;
	}
	return 0;
}
