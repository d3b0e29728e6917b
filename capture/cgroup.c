/*
 * cgroup.c - cgroup v2 ids to paths (see cgroup.h).
 *
 * The eBPF source sends bpf_get_current_cgroup_id() on FORK and EXEC; the
 * id is the kernfs node id, which stat(2) of the cgroup's directory shows
 * as st_ino.  A cache of CACHE_SLOTS entries (two-way: an id has two
 * slots, the older one is replaced) keeps the walk off the drain path: it allocates only when a
 * new cgroup is resolved, never per record.
 */
#include <ftw.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "cgroup.h"

#define CACHE_SLOTS 512
#define WALK_MAX 100000         /* directories visited per miss, at most */
#define CGROUP2_MAGIC 0x63677270

struct slot {
	uint64_t id;            /* 0 = empty */
	char *path;             /* NULL: not found */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct slot cache[CACHE_SLOTS];
static char root_path[BT_CGROUP_PATH_MAX];
static bool have_root;          /* root_path decided (maybe "") */

/* The walk's state (under lock: nftw has no argument). */
static uint64_t want;
static size_t visited, root_len;
static char *found;

static void cache_clear(void)
{
	size_t i;

	for (i = 0; i < CACHE_SLOTS; i++) {
		free(cache[i].path);
		cache[i].path = NULL;
		cache[i].id = 0;
	}
}

void bt_cgroup_set_root(const char *root)
{
	pthread_mutex_lock(&lock);
	cache_clear();
	have_root = root != NULL;
	root_path[0] = 0;
	if (root && strlen(root) < sizeof(root_path))
		strcpy(root_path, root);
	pthread_mutex_unlock(&lock);
}

static bool is_cgroup2(const char *p)
{
	struct statfs s;

	return !statfs(p, &s) && (unsigned long)s.f_type == CGROUP2_MAGIC;
}

/* Pure cgroup v2 at /sys/fs/cgroup, or hybrid with it at .../unified. */
static void find_root(void)
{
	static const char *const cand[] = {
		"/sys/fs/cgroup", "/sys/fs/cgroup/unified",
	};
	size_t i;

	have_root = true;
	root_path[0] = 0;
	for (i = 0; i < sizeof(cand) / sizeof(*cand); i++)
		if (is_cgroup2(cand[i])) {
			strcpy(root_path, cand[i]);
			return;
		}
}

static int visit(const char *p, const struct stat *st, int type,
		 struct FTW *f)
{
	(void)f;
	if (type != FTW_D)
		return FTW_CONTINUE;
	if (++visited > WALK_MAX)
		return FTW_STOP;
	if ((uint64_t)st->st_ino != want)
		return FTW_CONTINUE;
	found = strdup(p[root_len] ? p + root_len : "/");
	return FTW_STOP;
}

size_t bt_cgroup_path(uint64_t id, char *buf, size_t size)
{
	size_t i = ((id * 0x9e3779b97f4a7c15ull) >> 55) & ~(size_t)1;
	struct slot *s = &cache[i];
	size_t n = 0;

	if (!id || !size)
		return 0;
	pthread_mutex_lock(&lock);
	if (!have_root)
		find_root();
	if (s->id != id && s[1].id == id) {
		s++;
	} else if (s->id != id) {
		/* the older one goes: the first moves second */
		free(s[1].path);
		s[1] = s[0];
		s->path = NULL;
		s->id = id;
		if (root_path[0]) {
			want = id;
			visited = 0;
			found = NULL;
			root_len = strlen(root_path);
			nftw(root_path, visit, 16,
			     FTW_PHYS | FTW_MOUNT | FTW_ACTIONRETVAL);
			s->path = found;
		}
	}
	if (s->path && (n = strlen(s->path)) < size)
		memcpy(buf, s->path, n + 1);
	else
		n = 0;
	pthread_mutex_unlock(&lock);
	return n;
}
