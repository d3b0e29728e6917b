#!/bin/sh
# seed-auditd.sh DIR - a seed corpus for fuzz_auditd in DIR: SPADE's and
# laurel's audit logs from ../shared (when present), in pieces of at most
# 200 lines, and the line forms of tests/check_auditd.c.
#   sh tests/fuzz/seed-auditd.sh /tmp/corpus
#   build/fuzz/fuzz_auditd -dict=tests/fuzz/fuzz_auditd.dict \
#       -max_len=65536 -max_total_time=600 /tmp/corpus
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:?usage: seed-auditd.sh DIR}
shared=${BTRACK_SHARED:-$top/../shared}/audit-logs
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for t in spade_unit_tests laurel_testdata; do
	[ -r "$shared/$t.tar.gz" ] || continue
	mkdir -p "$tmp/$t"
	tar -xzf "$shared/$t.tar.gz" -C "$tmp/$t"
done
find "$tmp" -type f \( -name '*.extract.log' -o -name '*.txt' \) |
while read -r f; do
	split -l 200 "$f" "$out/$(basename "$f")."
done
# Every string literal line of the unit tests that looks like a record.
sed -n 's/^"\(.*type=.*\)\\n"$/\1/p' "$top/tests/check_auditd.c" |
	sed 's/\\"/"/g' >"$out/check_auditd.lines"
ls "$out" | wc -l
