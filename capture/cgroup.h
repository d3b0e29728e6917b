/*
 * cgroup.h - a cgroup v2 id (bpf_get_current_cgroup_id()) to its path.
 */
#ifndef BT_CAPTURE_CGROUP_H
#define BT_CAPTURE_CGROUP_H

#include <stddef.h>
#include <stdint.h>

#define BT_CGROUP_PATH_MAX 1024

/*
 * Copy the path of the cgroup v2 with this id (relative to the cgroup2
 * mount: "/" for the root, "/system.slice/docker-<id>.scope") into buf
 * (size bytes, NUL-terminated); its length, or 0 when unknown (no cgroup2
 * mount, a cgroup removed before it was looked up, a path longer than
 * size - 1).  On cgroup v2 the id is the inode number of the cgroup's
 * directory: a miss walks the hierarchy once (bounded) and caches the
 * answer, found or not, in a fixed table.  Thread-safe.
 */
size_t bt_cgroup_path(uint64_t id, char *buf, size_t size);

/* Resolve under root instead of the cgroup2 mount (a test's directory;
 * NULL: find the mount again).  Empties the cache. */
void bt_cgroup_set_root(const char *root);

#endif
