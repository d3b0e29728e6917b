/*
 * syscalls.h - system call numbers and names of the audit log, by
 * architecture, mapped to one canonical enum the importer's semantics use.
 */
#ifndef BT_AUDIT_SYSCALLS_H
#define BT_AUDIT_SYSCALLS_H

#include <stddef.h>
#include <stdint.h>

/* Canonical system calls.  SYS_UNKNOWN (0) is one btrack does not map. */
enum bt_sys {
	SYS_UNKNOWN = 0,
	SYS_read, SYS_write, SYS_open, SYS_mmap, SYS_pread64, SYS_pwrite64,
	SYS_readv, SYS_writev, SYS_dup, SYS_dup2, SYS_connect, SYS_accept,
	SYS_sendto, SYS_recvfrom, SYS_sendmsg, SYS_recvmsg, SYS_clone,
	SYS_fork, SYS_vfork, SYS_execve, SYS_truncate, SYS_ftruncate,
	SYS_rename, SYS_creat, SYS_link, SYS_unlink, SYS_symlink,
	SYS_openat, SYS_unlinkat, SYS_renameat, SYS_linkat, SYS_symlinkat,
	SYS_accept4, SYS_dup3, SYS_renameat2, SYS_execveat, SYS_clone3,
	SYS_openat2,
	SYS__COUNT
};

/* The canonical syscall of x86-64 number nr, SYS_UNKNOWN if unmapped. */
int bt_asys_x86_64(uint64_t nr);

/* The canonical syscall named name[0..n) (an interpreted log's
 * syscall=open), SYS_UNKNOWN if unmapped. */
int bt_asys_by_name(const char *name, size_t n);

/* The canonical name of sys ("openat"); "?" for SYS_UNKNOWN. */
const char *bt_asys_name(int sys);

#endif
