#!/bin/sh
# tests/vm/run.sh MODE - the kernel module's test in a virtual machine
# (make vm-check: MODE check; make vm-bench: MODE bench).
#
# Builds a busybox initramfs holding kmod/btrack.ko, btrack (with the shared
# libraries ldd names), the static test programs and tests/vm/init.sh as
# /init; boots Debian's kernel for KDIR under qemu-system-x86_64 -accel tcg
# (never KVM), bounded by timeout(1); collects the console (ttyS0) and the
# data port (ttyS1, logs in base64); then checks the logs on the host.  On
# failure it prints the console log.  Exit 0 pass, 1 fail.
# The two vCPUs run in one host thread (-accel tcg,thread=single): with
# multi-threaded TCG, loading and unloading the module under load hung the
# guest within ~10 cycles (a vCPU spinning on a jump label being patched by
# the tracepoint (un)registration on the other: cross-modifying code); in
# one thread 120 cycles passed.
# BTRACK_VM_TIMEOUT (s, default 480), BTRACK_VM_KEEP=1 keeps the work dir,
# BTRACK_VM_KARGS replaces "quiet" on the kernel command line (e.g.
# "loglevel=7 softlockup_panic=1" to see stacks).
# MODE script runs BTRACK_VM_SCRIPT (a file of sh) inside the VM instead.
set -eu
mode=${1:-check}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
B=${B:-build}
BIN=${BIN:-btrack}
case "$BIN" in /*) ;; *) BIN="$top/$BIN" ;; esac
KDIR=${KDIR:-$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)}
kver=${KDIR##*/linux-headers-}
kernel=/boot/vmlinuz-$kver
vmcheck=$top/$B/vm/vmcheck
KMOD=${KMOD:-kmod/btrack.ko}

for f in "$kernel" "$KMOD" "$BIN" "$vmcheck" "$B/vm/pagetest" "$B/vm/burst"; do
	[ -r "$f" ] || { echo "vm: missing $f (make vm-check builds the rest; the kernel is Debian's linux-image-amd64 for $kver)"; exit 1; }
done

work=$(mktemp -d /tmp/btrack-vm.XXXXXX)
cleanup() {
	if [ "${BTRACK_VM_KEEP:-0}" = 1 ]; then
		echo "vm: kept $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

# ---- the initramfs ------------------------------------------------------
root=$work/root
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp"
cp /bin/busybox "$root/bin/busybox"
for a in $(/bin/busybox --list); do
	[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
done
copy_bin() {
	cp "$1" "$root/bin/$2"
	ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
	while read -r lib; do
		mkdir -p "$root$(dirname "$lib")"
		[ -e "$root$lib" ] || cp -L "$lib" "$root$lib"
	done
}
copy_bin "$BIN" btrack
copy_bin "$vmcheck" vmcheck
cp "$B/vm/pagetest" "$B/vm/burst" "$root/bin/"
cp "$KMOD" "$root/btrack.ko"
cp tests/vm/init.sh "$root/init"
chmod 755 "$root/init"
echo "$mode" >"$root/mode"
if [ "$mode" = script ]; then
	cp "${BTRACK_VM_SCRIPT:?BTRACK_VM_SCRIPT=FILE names the script}" "$root/script.sh"
fi
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 >"$work/initrd.gz"

# ---- boot ---------------------------------------------------------------
echo "vm: booting $kernel ($(du -k "$work/initrd.gz" | cut -f1) KiB initramfs), mode $mode"
t0=$(date +%s)
set +e
timeout "${BTRACK_VM_TIMEOUT:-480}" qemu-system-x86_64 -accel tcg,thread=single -m 1024 \
	-smp 2 -nodefaults -display none -no-reboot \
	-kernel "$kernel" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 ${BTRACK_VM_KARGS:-quiet} oops=panic panic=-1 rdinit=/init" \
	-serial "file:$work/console.log" -serial "file:$work/data.out" \
	</dev/null >"$work/qemu.out" 2>&1
qrc=$?
set -e
t1=$(date +%s)
tr -d '\r' <"$work/console.log" >"$work/console.txt"
tr -d '\r' <"$work/data.out" >"$work/data.txt"
grep '^VMTEST: ' "$work/console.txt" || true
echo "vm: qemu exit $qrc after $((t1 - t0)) s"

failed=0
fail() {
	echo "vm: FAIL: $*"
	failed=1
}
[ $qrc -eq 124 ] && fail "the VM timed out"
grep -q '^VMTEST: DONE rc=0' "$work/console.txt" || fail "the scenarios in the VM did not all pass"

# extract NAME FILE: decode a log sent on the data port
extract() {
	awk -v n="$1" '$0 == "=== BEGIN " n " ===" { on = 1; next }
		$0 == "=== END " n " ===" { on = 0 } on' "$work/data.txt" |
		base64 -d >"$2" 2>/dev/null || fail "cannot decode $1"
}

# ---- host checks ----------------------------------------------------------
# expect FILE PATTERN WHAT: FILE has a line matching the extended regex
expect() {
	grep -Eq "$2" "$1" || fail "$3 (no line /$2/ in $(basename "$1"))"
}

if [ "$mode" = check ] && [ $failed -eq 0 ]; then
	extract chain "$work/chain.btl"
	extract pages "$work/pages.btl"
	extract pagesmeta "$work/pages.meta"
	"$vmcheck" events "$work/chain.btl" >"$work/chain.txt" || fail "chain log invalid"
	"$vmcheck" events "$work/pages.btl" >"$work/pages.txt" || fail "pages log invalid"
	# The chain: the shell wrote dl, cat read it and wrote stage, mv
	# renamed stage to final; unrelated writes stay apart.
	expect "$work/chain.txt" '^write proc:[0-9]+ file:/tmp/w/dl$' "the shell's write to dl"
	expect "$work/chain.txt" '^read file:/tmp/w/dl proc:[0-9]+$' "cat reading dl"
	expect "$work/chain.txt" '^write proc:[0-9]+ file:/tmp/w/stage$' "cat writing stage"
	expect "$work/chain.txt" '^rename proc:[0-9]+ name:/tmp/w/stage$' "mv: old name"
	expect "$work/chain.txt" '^rename proc:[0-9]+ name:/tmp/w/final$' "mv: new name"
	expect "$work/chain.txt" '^exec file:/bin/busybox proc:[0-9]+$' "exec of busybox"
	expect "$work/chain.txt" '^fork proc:[0-9]+ proc:[0-9]+$' "forks"
	expect "$work/chain.txt" '^connect ep:127\.0\.0\.1:5555 proc:[0-9]+$' "nc: connect"
	expect "$work/chain.txt" '^send proc:[0-9]+ ep:127\.0\.0\.1:5555$' "nc: send"
	expect "$work/chain.txt" '^accept ep:127\.0\.0\.1:[0-9]+ proc:[0-9]+$' "nc -l: accept"
	expect "$work/chain.txt" '^recv ep:127\.0\.0\.1:[0-9]+ proc:[0-9]+$' "nc -l: recv"
	expect "$work/chain.txt" '^write proc:[0-9]+ file:/tmp/w/recv$' "nc -l: write of recv"
	# Process injection: process_vm_writev, ptrace POKEDATA and
	# /proc/PID/mem are memory writes of the child; process_vm_readv a
	# read; an attach or detach nothing.
	[ "$(grep -Ec '^mem_write proc:[0-9]+ proc:[0-9]+$' "$work/chain.txt")" -ge 3 ] ||
		fail "injection: want a mem_write for each of vm, poke and procmem"
	expect "$work/chain.txt" '^mem_read proc:[0-9]+ proc:[0-9]+$' "process_vm_readv: mem_read"
	# The pages: exactly these page events for A, B and C.
	. "$work/pages.meta"
	grep -E "^page_(read|write) .*proc:($A|$B|$C)( |$)" "$work/pages.txt" |
		sed "s/proc:$A\b/A/; s/proc:$B\b/B/; s/proc:$C\b/C/" | sort -u >"$work/pages.got"
	printf '%s\n' "page_read page:/tmp/shm/f#0 C" "page_write A page:/tmp/shm/f#0" \
		"page_write B page:/tmp/shm/f#1" | sort >"$work/pages.want"
	if ! cmp -s "$work/pages.want" "$work/pages.got"; then
		fail "page events differ from the expected ones"
		diff "$work/pages.want" "$work/pages.got" || true
	fi
	# mmap then mprotect to read-only: two readable mappings, one writable.
	[ "$(grep -c "^mmap_read file:/tmp/shm/f proc:$D\$" "$work/pages.txt")" -eq 2 ] ||
		fail "mmap + mprotect: want 2 mmap_read events of D"
	[ "$(grep -c "^mmap_write proc:$D file:/tmp/shm/f\$" "$work/pages.txt")" -eq 1 ] ||
		fail "mmap: want 1 mmap_write event of D"
	# With `btrack backtrack`: the walk from final reaches dl.
	if "$BIN" backtrack --log "$work/chain.btl" --from file:/tmp/w/final >"$work/bt.txt" 2>"$work/bt.err"; then
		grep -q '/tmp/w/dl' "$work/bt.txt" || fail "backtrack from /tmp/w/final does not reach /tmp/w/dl"
		grep -q '/tmp/w/other' "$work/bt.txt" && fail "backtrack from /tmp/w/final reaches the unrelated /tmp/w/other"
		echo "vm: backtrack from /tmp/w/final: $(wc -l <"$work/bt.txt") lines"
		"$BIN" backtrack --log "$work/chain.btl" --from file:/tmp/w/recv >"$work/bt2.txt" 2>&1 ||
			fail "backtrack from /tmp/w/recv: $(head -n 3 "$work/bt2.txt")"
		grep -q '127\.0\.0\.1' "$work/bt2.txt" || fail "backtrack from /tmp/w/recv does not reach the remote endpoint"
		for how in vm poke procmem; do
			"$BIN" backtrack --log "$work/chain.btl" --from file:/tmp/w/inj-$how --no-filters >"$work/bi.txt" 2>&1 ||
				fail "backtrack from /tmp/w/inj-$how: $(head -n 3 "$work/bi.txt")"
			grep -q 'mem_write' "$work/bi.txt" && grep -q '/tmp/w/isrc' "$work/bi.txt" ||
				fail "backtrack from /tmp/w/inj-$how does not reach /tmp/w/isrc through a mem_write"
		done
	else
		echo "vm: btrack backtrack unavailable or failed: $(head -n 1 "$work/bt.err")"
	fi
	if [ $failed -eq 0 ]; then
		echo "vm: chain $(wc -l <"$work/chain.txt") events, pages $(wc -l <"$work/pages.txt") events: as expected"
	fi
fi
extract dmesg "$work/dmesg.txt"
if grep -E 'WARNING|BUG|Oops|leak|Call Trace|general protection' "$work/dmesg.txt" "$work/console.txt"; then
	fail "kernel warnings"
fi

if [ $failed -ne 0 ]; then
	echo "---- console log ----"
	tail -n 200 "$work/console.txt"
	echo "---- qemu ----"
	cat "$work/qemu.out"
	exit 1
fi
echo "vm: ok ($((t1 - t0)) s in the VM)"
