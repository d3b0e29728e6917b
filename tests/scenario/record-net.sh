#!/bin/sh
# record-net.sh - sockets and pipes under btrack record: a TCP server
# (python3) accepts a connection from a client, receives a payload and
# writes it to a file; backtracking the file reaches the client's address
# as an entry point (accept/recv endpoint -> server).  A pipeline
# `cat SRC | tr ... > OUT` links OUT to SRC through the pipe object.  A
# set-user-ID program gets a no_new_privs note.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
T=$tmp
B=${B:-build}
. "$BTRACK_TOP/tests/lib.sh"
bt_need_record
command -v python3 >/dev/null 2>&1 || { echo "no python3"; exit 77; }

cd "$T"
bt_tcp_scripts
"$BTRACK" record -o net.btl -- sh -c "
	python3 server.py '$T/port' '$T/received' & python3 client.py '$T/port'
	wait" 2>err
cat err
[ "$(cat received)" = "payload from the network" ]
"$BTRACK" backtrack --log net.btl --from "file:$T/received" --format json \
	-o net.json
# the server received from the client's (ephemeral) address: an endpoint
# 127.0.0.1:PORT that is an entry point of the result
python3 - net.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
eps = [n for n in d["nodes"] if n["kind"] == "endpoint"]
assert any(n["label"].startswith("127.0.0.1:") for n in eps), eps
ops = {e["op"] for e in d["edges"]
       if d["nodes"][[n["id"] for n in d["nodes"]].index(e["from"])]["kind"] == "endpoint"}
assert ops & {"recv", "accept"}, ops
PY
# the client side: connect and send toward the server's address
"$BTRACK" forward --log net.btl --from "file:$T/client.py" --format json \
	-o fwd.json 2>/dev/null || true
grep -q "127.0.0.1:$(cat port)" fwd.json

echo "== pipes"
printf 'piped secret\n' > src
"$BTRACK" record -o pipe.btl -- sh -c "cat '$T/src' | tr a-z A-Z > '$T/upper'" 2>err
[ "$(cat upper)" = "PIPED SECRET" ]
"$BTRACK" backtrack --log pipe.btl --from "file:$T/upper" --format json \
	-o pipe.json
# the pipe is a file object with no name (only its inode)
bt_chain pipe.json "file:$T/src" process:/cat "file:*" process:/tr \
	"file:$T/upper"
python3 - pipe.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
names = [n.get("path") for n in d["nodes"] if n["kind"] == "file"]
assert None in names, "no unnamed pipe object in %s" % names
assert not any(p and p.startswith("pipe:") for p in names), names
PY

echo "== set-user-ID programs run without privileges"
cp /bin/true "$T/suid-true"
chmod 4755 "$T/suid-true"
"$BTRACK" record -o suid.btl -- "$T/suid-true" 2>err
"$BTRACK" log dump suid.btl 2>/dev/null | grep -q "no_new_privs" ||
	grep -q "no_new_privs" suid.btl
echo ok
