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
set -eu
shared=${BTRACK_SHARED:-$BTRACK_TOP/../shared}
data=$shared/audit-logs/spade_unit_tests.tar.gz
if [ ! -f "$data" ]; then
	echo "no SPADE unit-test logs at $data (see tests/reference/README)"
	exit 77
fi
command -v python3 >/dev/null 2>&1 || { echo "python3 not installed"; exit 77; }
exec python3 "$BTRACK_TOP/tests/reference/spade_compare.py" \
	--btrack "$BTRACK" --data "$data" ${SPADE_VERBOSE:+-v}
