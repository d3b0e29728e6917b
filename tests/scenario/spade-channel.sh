#!/bin/sh
# spade-channel.sh - a connection seen from both ends in a real audit log
# of SPADE's unit tests (accept.bin: a server on 127.0.0.1:7104 accepts
# its own child's connect and sends it 13 bytes).  Audit gives the
# client no port of its own: the ends join by the half-known rule
# (graph/channel.h), so the backtrack from the client reaches the server
# through the connection.  Skips (77) without the shared data.
set -eu
: "${BTRACK:=btrack}"
: "${BTRACK_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$BTRACK_TOP/tests/lib.sh"
data=${BTRACK_SHARED:-$BTRACK_TOP/../shared}/audit-logs/spade_unit_tests.tar.gz
[ -f "$data" ] || { echo "no $data: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
tar xzf "$data" accept.bin.log
expect 0 "$BTRACK" import --format auditd -o a.btl accept.bin.log
# the server's end knows its address (bind), the client's only the remote
expect 0 "$BTRACK" log dump a.btl
grep -q 'key=local .*value="127.0.0.1:7104"' "$tmp/out" ||
	fail "the server's end has no local address"
grep -q 'key=local .*value="?#1"' "$tmp/out" ||
	fail "the client's end is not half-known"
expect 0 "$BTRACK" backtrack --log a.btl --from proc:26121 --no-filters \
	--format json
bt_chain "$tmp/out" process:accept.bin endpoint:127.0.0.1:36946 \
	endpoint:127.0.0.1:7104 process:accept.bin ||
	fail "the client's backtrack does not cross to the server"
python3 - "$tmp/out" <<'PY' || fail "no connection edge"
import json, sys
d = json.load(open(sys.argv[1]))
assert any(e.get("op") == "connection" for e in d["edges"]), d["edges"]
PY
echo "ok: SPADE accept.bin: the two ends joined"
