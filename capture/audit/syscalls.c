/*
 * syscalls.c - syscall numbers per architecture -> enum bt_sys (see
 * syscalls.h).  The tables are in syscalls-tab.h, generated.
 */
#include <string.h>

#include "../../core/util.h"
#include "syscalls.h"
#include "syscalls-tab.h"

#define X32_BIT 0x40000000u

static int lookup(const uint16_t *tab, size_t n, uint64_t nr)
{
	return nr < n ? tab[nr] : SYS_UNKNOWN;
}

int bt_asys_by_nr(enum bt_arch arch, uint64_t nr)
{
	switch (arch) {
	case BT_ARCH_NONE:
	case BT_ARCH_X86_64:
		if (nr & X32_BIT)
			return lookup(tab_x32, BT_ARRAY_SIZE(tab_x32),
				      nr & ~(uint64_t)X32_BIT);
		/* 512-547 are x32's own; not x86-64 calls */
		if (nr >= 512 && nr < 548)
			return SYS_UNKNOWN;
		return lookup(tab_x86_64, BT_ARRAY_SIZE(tab_x86_64), nr);
	case BT_ARCH_I386:
		return lookup(tab_i386, BT_ARRAY_SIZE(tab_i386), nr);
	case BT_ARCH_AARCH64:
		return lookup(tab_aarch64, BT_ARRAY_SIZE(tab_aarch64), nr);
	default:
		return SYS_UNKNOWN;
	}
}

static int name_is(const char *name, size_t n, const char *s)
{
	return strlen(s) == n && !memcmp(name, s, n);
}

int bt_asys_by_name(enum bt_arch arch, const char *name, size_t n)
{
	/* i386 names whose canonical call differs (see mksyscalls.sh). */
	static const struct { const char *from, *to; } i386[] = {
		{ "mmap", "old_mmap" }, { "mmap2", "mmap" },
		{ "select", "old_select" }, { "_newselect", "select" },
		{ "fcntl64", "fcntl" }, { "truncate64", "truncate" },
		{ "ftruncate64", "ftruncate" }, { "sendfile64", "sendfile" },
		{ "stat64", "stat" }, { "lstat64", "lstat" },
		{ "fstat64", "fstat" }, { "fstatat64", "newfstatat" },
	};
	size_t lo = 1, hi = SYS__COUNT, i;

	if (arch == BT_ARCH_OTHER || n == 0)
		return SYS_UNKNOWN;
	if (arch == BT_ARCH_I386) {
		for (i = 0; i < BT_ARRAY_SIZE(i386); i++)
			if (name_is(name, n, i386[i].from))
				return bt_asys_by_name(BT_ARCH_X86_64,
						       i386[i].to,
						       strlen(i386[i].to));
		/* chown32, setuid32, getgroups32, ... */
		if (n > 2 && name[n - 2] == '3' && name[n - 1] == '2')
			n -= 2;
	}
	/* sys_names[1..] is sorted (C locale). */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *s = sys_names[mid];
		size_t sn = strlen(s);
		int c = memcmp(name, s, n < sn ? n : sn);

		if (!c)
			c = n < sn ? -1 : n > sn;
		if (!c)
			return (int)mid;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return SYS_UNKNOWN;
}

int bt_asys_socketcall(uint64_t call)
{
	/* linux/net.h SYS_SOCKET (1) .. SYS_SENDMMSG (20) */
	static const uint16_t sub[] = {
		SYS_UNKNOWN, SYS_socket, SYS_bind, SYS_connect, SYS_listen,
		SYS_accept, SYS_getsockname, SYS_getpeername, SYS_socketpair,
		SYS_sendto /* send */, SYS_recvfrom /* recv */, SYS_sendto,
		SYS_recvfrom, SYS_shutdown, SYS_setsockopt, SYS_getsockopt,
		SYS_sendmsg, SYS_recvmsg, SYS_accept4, SYS_recvmmsg,
		SYS_sendmmsg,
	};

	return call < BT_ARRAY_SIZE(sub) ? sub[call] : SYS_UNKNOWN;
}

enum bt_arch bt_asys_arch(const char *v, size_t n, uint32_t *raw)
{
	static const struct { const char *name; uint32_t raw;
			      enum bt_arch a; } known[] = {
		{ "x86_64", BT_AUDIT_ARCH_X86_64, BT_ARCH_X86_64 },
		{ "i386", BT_AUDIT_ARCH_I386, BT_ARCH_I386 },
		{ "i486", BT_AUDIT_ARCH_I386, BT_ARCH_I386 },
		{ "i586", BT_AUDIT_ARCH_I386, BT_ARCH_I386 },
		{ "i686", BT_AUDIT_ARCH_I386, BT_ARCH_I386 },
		{ "aarch64", BT_AUDIT_ARCH_AARCH64, BT_ARCH_AARCH64 },
	};
	uint64_t x = 0;
	size_t i;

	*raw = 0;
	for (i = 0; i < BT_ARRAY_SIZE(known); i++) {
		if (name_is(v, n, known[i].name)) {
			*raw = known[i].raw;
			return known[i].a;
		}
	}
	if (n == 0 || n > 8)
		return BT_ARCH_OTHER;
	for (i = 0; i < n; i++) {
		int c = v[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return BT_ARCH_OTHER;
		x = x << 4 | (uint64_t)d;
	}
	*raw = (uint32_t)x;
	switch (*raw) {
	case BT_AUDIT_ARCH_X86_64: return BT_ARCH_X86_64;
	case BT_AUDIT_ARCH_I386: return BT_ARCH_I386;
	case BT_AUDIT_ARCH_AARCH64: return BT_ARCH_AARCH64;
	default: return BT_ARCH_OTHER;
	}
}

const char *bt_asys_name(int sys)
{
	return sys > 0 && sys < SYS__COUNT ? sys_names[sys] : "?";
}

const char *bt_asys_arch_name(enum bt_arch arch)
{
	switch (arch) {
	case BT_ARCH_NONE:
	case BT_ARCH_X86_64: return "x86_64";
	case BT_ARCH_I386: return "i386";
	case BT_ARCH_AARCH64: return "aarch64";
	default: return "?";
	}
}
