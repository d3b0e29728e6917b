/*
 * syscalls.h - system call numbers and names of the audit log, by
 * architecture, mapped to one canonical enum the importer's semantics use.
 *
 * Decoded: x86-64 (arch=c000003e, with its x32 ABI: numbers with bit 30
 * set), i386 (arch=40000003) and aarch64 (arch=c00000b7).  i386's variants
 * of one call are that call (chown32 -> chown, mmap2 -> mmap, fcntl64 ->
 * fcntl, ...); its old mmap (90, one pointer argument) is SYS_old_mmap and
 * its socketcall (102) is decoded by bt_asys_socketcall().  A record of any
 * other architecture has no canonical syscall (SYS_UNKNOWN): it is counted,
 * never decoded with another architecture's table.
 *
 * The tables are generated from the kernel's UAPI headers by mksyscalls.sh
 * (syscalls-tab.h).
 */
#ifndef BT_AUDIT_SYSCALLS_H
#define BT_AUDIT_SYSCALLS_H

#include <stddef.h>
#include <stdint.h>

/* Canonical system calls: SYS_<kernel name> for every call of the three
 * architectures.  SYS_UNKNOWN (0) is none of them. */
enum bt_sys {
	SYS_UNKNOWN = 0,
#define BT_ASYS_ENUM
#include "syscalls-tab.h"
#undef BT_ASYS_ENUM
	SYS__COUNT
};

/* Architectures (AUDIT_ARCH_* of the arch= field). */
enum bt_arch {
	BT_ARCH_NONE = 0,    /* no arch= field: taken as x86-64 */
	BT_ARCH_X86_64,
	BT_ARCH_I386,
	BT_ARCH_AARCH64,
	BT_ARCH_OTHER        /* anything else: not decoded */
};

#define BT_AUDIT_ARCH_X86_64  0xc000003eu
#define BT_AUDIT_ARCH_I386    0x40000003u
#define BT_AUDIT_ARCH_AARCH64 0xc00000b7u

/* The architecture of an arch= value v[0..n): AUDIT_ARCH_* in hex
 * (raw logs) or its name (interpreted logs: x86_64, i386, aarch64, ...).
 * *raw gets the AUDIT_ARCH_* value when known, else 0. */
enum bt_arch bt_asys_arch(const char *v, size_t n, uint32_t *raw);

/* The canonical syscall of number nr under arch, SYS_UNKNOWN if none. */
int bt_asys_by_nr(enum bt_arch arch, uint64_t nr);

/* The canonical syscall of the name[0..n) an interpreted log writes
 * (syscall=openat, chown32, mmap2, ...) under arch, SYS_UNKNOWN if none. */
int bt_asys_by_name(enum bt_arch arch, const char *name, size_t n);

/* i386 socketcall's sub-call (its a0: SYS_CONNECT = 3, ...) -> canonical
 * (send -> sendto, recv -> recvfrom), SYS_UNKNOWN if out of range. */
int bt_asys_socketcall(uint64_t call);

/* The canonical name of sys ("openat"); "?" for SYS_UNKNOWN.  Static. */
const char *bt_asys_name(int sys);

/* The name of an architecture ("x86_64"); "?" for BT_ARCH_OTHER. */
const char *bt_asys_arch_name(enum bt_arch arch);

#endif
