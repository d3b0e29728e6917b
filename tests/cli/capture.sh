#!/bin/sh
# btrack capture outside the VM (the module itself is tested by
# tests/scenario/kmod-vm.sh; the eBPF source by tests/scenario/ebpf.sh):
# -h, usage errors (exit 2, sources and their options), no device (the
# message that says to load the module, exit 1, no log left), a file that
# is not the device, and the command in `btrack help`.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() { echo "FAIL: $*" >&2; exit 1; }

"$BTRACK" capture -h >help || fail "-h failed"
grep -q '^usage: btrack capture \[-o LOG\] \[--force\] \[--duration S\] \[--source SRC\] \[--pid PID\] \[--cgroup DIR\] \[--ring-mb MB\] \[--no-pages\] \[--slice MS\] \[--pages PATH\]\.\.\. \[--device DEV\]' help ||
	fail "usage line: $(head -n 1 help)"
"$BTRACK" help | grep -q '^  capture ' || fail "capture missing from btrack help"

usage() {
	rc=0
	"$BTRACK" capture "$@" 2>err || rc=$?
	[ $rc -eq 2 ] || fail "capture $*: exit $rc, want 2 ($(cat err))"
}
usage --slice 0
usage --slice 10001
usage --slice x
usage --duration -1
usage --duration 1s
usage --pages relative/path
usage extra-argument
usage --no-such-option
# sources and their own options
usage --source foo
usage --pid 0
usage --pid x
usage --ring-mb 3
usage --ring-mb 4096
usage --source kmod --pid 1
usage --source kmod --cgroup /sys/fs/cgroup
usage --source ebpf --slice 5
usage --source ebpf --device /dev/btrack
usage --pid 1 --pages /tmp
# --watch DIR --alerts SRC: together, the watch options only with them
usage --watch out
usage --alerts alerts.json
usage --max-nodes 5
usage --stats
usage --watch out --alerts alerts.json --wait x
usage --watch out --alerts alerts.json --queue 0
usage --watch out --alerts alerts.json --outputs pdf
grep -q -- '--watch DIR --alerts SRC \[--wait SECONDS\]' help ||
	fail "usage line has no --watch: $(head -n 1 help)"
# --watch on an existing LOG: the watcher would read that one
echo x >old.btl
rc=0
"$BTRACK" capture --device "$tmp/absent" -o old.btl --force --watch out \
	--alerts alerts.json 2>err || rc=$?
[ $rc -eq 1 ] || fail "--watch on an existing log: exit $rc"
grep -q "'old.btl' exists: with --watch, remove it first" err ||
	fail "--watch on an existing log: $(cat err)"
[ "$(cat old.btl)" = x ] || fail "--watch: the existing log was touched"
[ ! -e out ] || fail "--watch: a results directory was made"

rc=0
"$BTRACK" capture --device "$tmp/absent" -o out.btl 2>err || rc=$?
[ $rc -eq 1 ] || fail "absent device: exit $rc"
grep -q "no $tmp/absent: is the btrack module loaded?" err || fail "absent device: $(cat err)"
[ ! -e out.btl ] || fail "a log was left behind without a device"

echo x >plain
rc=0
"$BTRACK" capture --device plain -o out.btl 2>err || rc=$?
[ $rc -eq 1 ] || fail "plain file: exit $rc"
grep -q "'plain' is not the btrack device" err || fail "plain file: $(cat err)"

rc=0
"$BTRACK" capture --device /dev/null -o out.btl 2>err || rc=$?
[ $rc -eq 1 ] || fail "/dev/null: exit $rc"
grep -q "not the btrack device" err || fail "/dev/null: $(cat err)"
[ ! -e out.btl ] || fail "a log was left behind for /dev/null"
echo ok
