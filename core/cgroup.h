/*
 * cgroup.h - what a cgroup path says (BT_LABEL_CGROUP): the container id.
 */
#ifndef BT_CGROUP_H
#define BT_CGROUP_H

#include <stddef.h>

#define BT_CONTAINER_ID_LEN 64

/*
 * The container id the cgroup path p (len bytes, any bytes) shows, or 0:
 * the innermost component that is 64 lowercase hex digits, alone
 * ("/docker/<id>", "/kubepods/besteffort/pod<uid>/<id>") or inside a
 * runtime's systemd scope ("docker-<id>.scope", "libpod-<id>.scope",
 * "crio-<id>.scope", "cri-containerd-<id>.scope").  *id points into p;
 * the length is BT_CONTAINER_ID_LEN when one is found.
 */
size_t bt_cgroup_container(const char *p, size_t len, const char **id);

#endif
