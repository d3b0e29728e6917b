/*
 * path.h - lexical path joining, shared by every capture source (the
 * recorder, the audit log importer): a relative name made absolute against
 * a directory (the cwd, or a dirfd's path) with "." and ".." folded and
 * repeated '/' squeezed.  Symbolic links are not resolved (no file system
 * access: the sources describe other machines' or past processes' paths).
 */
#ifndef BT_PATH_H
#define BT_PATH_H

#include <stddef.h>

/* Join `rel` to the absolute directory `base` (ignored when rel is
 * absolute) into out (n bytes).  ".." at the root stays at the root, as in
 * the kernel.  BT_ELIMIT if the result does not fit in n bytes (out is
 * then ""), BT_EINVAL if rel is NULL or base is needed and not absolute. */
int bt_path_join(char *out, size_t n, const char *base, const char *rel);

#endif
