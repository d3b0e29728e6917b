#!/bin/sh
# The kernel module's test in a virtual machine (make vm-check, see
# tests/vm/run.sh) as part of `make check`.
#
# On CI (CI=true) or with BTRACK_VM=1 it first installs what the test needs
# (qemu, Debian's kernel image and headers, busybox-static, the kbuild
# toolchain) through tests/deps.sh.  Elsewhere it runs when those are
# already installed and skips (exit 77) saying how to enable it.
# BTRACK_VM=0 always skips.
set -eu
top=${BTRACK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${BTRACK:-$top/btrack}
pkgs="qemu-system-x86 linux-image-amd64 linux-headers-amd64 busybox-static kmod cpio gcc make libc6-dev"

if [ "${BTRACK_VM:-}" = 0 ]; then
	echo "VM test disabled by BTRACK_VM=0"
	exit 77
fi
if [ "${CI:-}" = true ] || [ "${BTRACK_VM:-}" = 1 ]; then
	if ! BTRACK_DEPS_EXTRA="$pkgs" sh "$top/tests/deps.sh"; then
		echo "cannot install the VM test's packages ($pkgs)"
		exit 1
	fi
fi

why=""
for c in qemu-system-x86_64 busybox cpio timeout; do
	command -v "$c" >/dev/null 2>&1 || why="$why $c"
done
kdir=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)
if [ -z "$kdir" ]; then
	why="$why linux-headers-amd64"
elif [ ! -r "/boot/vmlinuz-${kdir##*/linux-headers-}" ]; then
	why="$why linux-image-amd64 (/boot/vmlinuz-${kdir##*/linux-headers-}, readable)"
fi
if [ -n "$why" ]; then
	echo "VM test needs:$why; run with BTRACK_VM=1 (as root) to install them"
	exit 77
fi

# The build directory of the binary under test (build, or B=... of it).
case "$bin" in
"$top/btrack") b=build ;;
"$top"/*) b=${bin#"$top"/}; b=${b%/btrack} ;;
*) b=build ;;
esac
exec make -C "$top" --no-print-directory B="$b" BIN="$bin" vm-check
