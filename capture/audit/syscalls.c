/*
 * syscalls.c - syscall numbers per architecture -> enum bt_sys.
 */
#include <string.h>

#include "../../core/util.h"
#include "syscalls.h"

static const char *const names[SYS__COUNT] = {
	[SYS_UNKNOWN] = "?",
	[SYS_read] = "read", [SYS_write] = "write", [SYS_open] = "open",
	[SYS_mmap] = "mmap", [SYS_pread64] = "pread64",
	[SYS_pwrite64] = "pwrite64", [SYS_readv] = "readv",
	[SYS_writev] = "writev", [SYS_dup] = "dup", [SYS_dup2] = "dup2",
	[SYS_connect] = "connect", [SYS_accept] = "accept",
	[SYS_sendto] = "sendto", [SYS_recvfrom] = "recvfrom",
	[SYS_sendmsg] = "sendmsg", [SYS_recvmsg] = "recvmsg",
	[SYS_clone] = "clone", [SYS_fork] = "fork", [SYS_vfork] = "vfork",
	[SYS_execve] = "execve", [SYS_truncate] = "truncate",
	[SYS_ftruncate] = "ftruncate", [SYS_rename] = "rename",
	[SYS_creat] = "creat", [SYS_link] = "link", [SYS_unlink] = "unlink",
	[SYS_symlink] = "symlink", [SYS_openat] = "openat",
	[SYS_unlinkat] = "unlinkat", [SYS_renameat] = "renameat",
	[SYS_linkat] = "linkat", [SYS_symlinkat] = "symlinkat",
	[SYS_accept4] = "accept4", [SYS_dup3] = "dup3",
	[SYS_renameat2] = "renameat2", [SYS_execveat] = "execveat",
	[SYS_clone3] = "clone3", [SYS_openat2] = "openat2",
};

static const struct { uint16_t nr, sys; } x86_64[] = {
	{ 0, SYS_read }, { 1, SYS_write }, { 2, SYS_open }, { 9, SYS_mmap },
	{ 17, SYS_pread64 }, { 18, SYS_pwrite64 }, { 19, SYS_readv },
	{ 20, SYS_writev }, { 32, SYS_dup }, { 33, SYS_dup2 },
	{ 42, SYS_connect }, { 43, SYS_accept }, { 44, SYS_sendto },
	{ 45, SYS_recvfrom }, { 46, SYS_sendmsg }, { 47, SYS_recvmsg },
	{ 56, SYS_clone }, { 57, SYS_fork }, { 58, SYS_vfork },
	{ 59, SYS_execve }, { 76, SYS_truncate }, { 77, SYS_ftruncate },
	{ 82, SYS_rename }, { 85, SYS_creat }, { 86, SYS_link },
	{ 87, SYS_unlink }, { 88, SYS_symlink }, { 257, SYS_openat },
	{ 263, SYS_unlinkat }, { 264, SYS_renameat }, { 265, SYS_linkat },
	{ 266, SYS_symlinkat }, { 288, SYS_accept4 }, { 292, SYS_dup3 },
	{ 316, SYS_renameat2 }, { 322, SYS_execveat }, { 435, SYS_clone3 },
	{ 437, SYS_openat2 },
};

int bt_asys_x86_64(uint64_t nr)
{
	size_t i;

	for (i = 0; i < BT_ARRAY_SIZE(x86_64); i++)
		if (x86_64[i].nr == nr)
			return x86_64[i].sys;
	return SYS_UNKNOWN;
}

int bt_asys_by_name(const char *name, size_t n)
{
	int i;

	for (i = 1; i < SYS__COUNT; i++)
		if (strlen(names[i]) == n && !memcmp(names[i], name, n))
			return i;
	return SYS_UNKNOWN;
}

const char *bt_asys_name(int sys)
{
	return sys > 0 && sys < SYS__COUNT ? names[sys] : "?";
}
