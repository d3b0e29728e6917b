#!/bin/sh
# spade.sh - btrack against SPADE's own graphs of its unit-test audit logs.
# Imports the 37 comparable TEST.bin.extract.log of SPADE's unit_tests (the
# records SPADE's Audit reporter read) and compares btrack's graph with
# SPADE's TEST.bin.dot: recall per category (processes, files, endpoints,
# fork, exec, read, write, name operations, rename/link, network, chmod,
# setuid, pipe I/O) and every btrack event the reference lacks, each kind
# with its reason from tests/reference/spade-explained.tsv.  Fails when a
# category finds fewer reference edges than tests/reference/spade-baseline.txt
# says, when the known bugs grow, or when a kind of extra (or of reference
# edge left out) has no reason.  Skips (77) without the data, which lives in
# ../shared/audit-logs/ and is never committed.  See tests/reference/README.
#
# First the comparison itself is checked on a small case of our own
# (tests/reference/selftest: a read of s, a create and write of o, a rename
# to p, and two reference edges btrack must not be credited with: a read of
# a file never opened, a write at the read's event).
set -eu
ref=$BTRACK_TOP/tests/reference
command -v python3 >/dev/null 2>&1 || { echo "python3 not installed"; exit 77; }

out=$(python3 "$ref/spade_compare.py" --btrack "$BTRACK" \
	--data "$ref/selftest" --baseline /dev/null) || true
for want in 'processes 2 2' 'exec 1 1' 'read 1 2' 'write 1 2' \
	'name operations 2 2' 'rename/link 3 3' 'files 3 4'; do
	cat=${want% * *}
	got=$(printf '%s\n' "$out" |
		awk -v c="$cat" 'substr($0, 1, 18) ~ "^" c " *$" {
			n = split($0, f, " "); print c, f[n - 2], f[n - 1] }')
	if [ "$got" != "$want" ]; then
		printf '%s\n' "$out"
		echo "FAIL: self-test: want '$want', got '$got'"
		exit 1
	fi
done

shared=${BTRACK_SHARED:-$BTRACK_TOP/../shared}
data=$shared/audit-logs/spade_unit_tests.tar.gz
if [ ! -f "$data" ]; then
	echo "no SPADE unit-test logs at $data (see tests/reference/README)"
	exit 77
fi
exec python3 "$ref/spade_compare.py" --btrack "$BTRACK" --data "$data" \
	${SPADE_VERBOSE:+-v}
