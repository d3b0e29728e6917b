#!/bin/sh
# record-channel.sh - both ends of a connection in one log are one channel
# (graph/channel.h): `python3 -m http.server` serves a secret file and
# curl fetches it into a file, both recorded into ONE `btrack record` log.
# A backtrack from curl's output crosses the connection (client endpoint
# 127.0.0.1:PORT <- connection <- the server's endpoint of that client)
# into the server and reaches the secret; a decoy server on another port,
# also fetched by curl, is not reached; a forward walk from the secret
# reaches curl's output.  Where the machine has IPv6 the main server binds
# :: (dual stack: it sees the IPv4 client as [::ffff:127.0.0.1] while the
# client sees 127.0.0.1) and a second fetch goes over [::1]; the decoy
# binds 127.0.0.1.  KEEP=DIR keeps the files in DIR (for debugging).
set -eu
tmp=${KEEP:-$(mktemp -d)}
[ -n "${KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT
T=$tmp
B=${B:-build}
. "$BTRACK_TOP/tests/lib.sh"
bt_need_record
command -v python3 >/dev/null 2>&1 || { echo "no python3"; exit 77; }
command -v curl >/dev/null 2>&1 || { echo "no curl"; exit 77; }

cd "$T"
mkdir www decoy
echo "the secret $$" > www/secret.txt
echo "the IPv6 secret $$" > www/secret6.txt
echo "a decoy $$" > decoy/decoy.txt
# two free ports (closed again before the servers start: a race with
# another program is possible but harmless, the fetch would fail loudly)
python3 - > ports <<'PY'
import socket
try:
    s = [socket.socket(socket.AF_INET6) for _ in range(2)]
    for x in s:
        x.bind(("::", 0))
except OSError:             # no IPv6 here
    s = [socket.socket() for _ in range(2)]
    for x in s:
        x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))
PY
read P D < ports
bind=
grep -q . /proc/net/if_inet6 2>/dev/null && bind="--bind ::"
# curl is retried until the server listens (a traced python starts slowly
# on a loaded machine: up to 60 s), then the servers are stopped
cat > run.sh <<SH
python3 -m http.server $P $bind --directory '$T/www' >/dev/null 2>&1 & s1=\$!
python3 -m http.server $D --bind 127.0.0.1 --directory '$T/decoy' \
	>/dev/null 2>&1 & s2=\$!
i=0
until curl -sf -o '$T/decoy.out' http://127.0.0.1:$D/decoy.txt; do
	i=\$((i + 1)); [ \$i -lt 600 ] || break; sleep 0.1
done
i=0
until curl -sf -o '$T/fetched' http://127.0.0.1:$P/secret.txt; do
	i=\$((i + 1)); [ \$i -lt 600 ] || break; sleep 0.1
done
if [ -n "$bind" ]; then
	curl -sf -g -o '$T/fetched6' 'http://[::1]:$P/secret6.txt'
fi
kill \$s1 \$s2
wait
SH
"$BTRACK" record -o ch.btl -- sh run.sh 2>err || { cat err; exit 1; }
cmp www/secret.txt fetched || fail "curl did not fetch the secret"
cmp decoy/decoy.txt decoy.out || fail "curl did not fetch the decoy"

# the log knows both ends' local addresses (BT_LABEL_LOCAL); with IPv6
# the server's end is spelt in the IPv4-mapped form
"$BTRACK" log dump ch.btl > dump.txt
grep -q "key=local .*value=\"127.0.0.1:$P\"" dump.txt ||
	grep -q "key=local .*value=\"\[::ffff:127.0.0.1\]:$P\"" dump.txt ||
	fail "no local address of the server's end in the log"
if [ -n "$bind" ]; then
	grep -q "key=local .*value=\"\[::ffff:127.0.0.1\]:$P\"" dump.txt ||
		fail "the dual-stack server's end is not in the IPv4-mapped form"
fi

echo "== backtrack from curl's output reaches the server's secret"
"$BTRACK" backtrack --log ch.btl --from "file:$T/fetched" --format json \
	-o back.json 2>/dev/null
bt_chain back.json "file:$T/www/secret.txt" process:python3* \
	"endpoint:*" "endpoint:127.0.0.1:$P" process:curl "file:$T/fetched" ||
	fail "backtrack from curl's output does not reach the secret"
python3 - back.json "$P" "$D" "$T" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
port, decoy, top = sys.argv[2], sys.argv[3], sys.argv[4]
ids = {n["id"]: n for n in d["nodes"]}
conn = [e for e in d["edges"] if e["op"] == "connection"]
assert conn, "no connection edge"
for e in conn:
    assert ids[e["from"]]["kind"] == "endpoint", e
    assert ids[e["to"]]["kind"] == "endpoint", e
# the client's endpoint (to the server's port) is no entry point now
for n in d["nodes"]:
    if n["kind"] == "endpoint" and n["label"] == "127.0.0.1:" + port:
        assert not n["entry"], n
# the decoy: neither its file nor its port
for n in d["nodes"]:
    s = json.dumps(n)
    assert "decoy.txt" not in s, n
    assert ":" + decoy + '"' not in s, n
PY

if [ -n "$bind" ]; then
	echo "== over IPv6 loopback ([::1] at both ends)"
	cmp www/secret6.txt fetched6 || fail "curl did not fetch over [::1]"
	"$BTRACK" backtrack --log ch.btl --from "file:$T/fetched6" \
		--format json -o back6.json 2>/dev/null
	bt_chain back6.json "file:$T/www/secret6.txt" process:python3* \
		"endpoint:[::1]:$P" process:curl "file:$T/fetched6" ||
		fail "backtrack over [::1] does not reach the secret"
fi

echo "== the decoy's fetch does not reach the secret"
"$BTRACK" backtrack --log ch.btl --from "file:$T/decoy.out" --format json \
	-o decoy.json 2>/dev/null
bt_chain decoy.json "file:$T/decoy/decoy.txt" process:curl \
	"file:$T/decoy.out" || fail "decoy fetch does not reach decoy.txt"
! grep -q "secret.txt" decoy.json || fail "decoy fetch reaches the secret"

echo "== forward from the secret reaches curl's output"
"$BTRACK" forward --log ch.btl --from "file:$T/www/secret.txt" \
	--format json -o fwd.json 2>/dev/null
bt_chain fwd.json "file:$T/www/secret.txt" process:python3* \
	"endpoint:127.0.0.1:$P" process:curl "file:$T/fetched" ||
	fail "forward from the secret does not reach curl's output"
! grep -q "decoy.out" fwd.json || fail "forward from the secret reaches the decoy's output"

echo "== on a case database of this one log: the same walks"
# The database walk reads a frontier at a time: it must cross to the
# server's end through the pair the database makes, as the log's graph
# does (it stopped at the client's endpoint before).  Object ids differ
# (the database merges the recorder's repeated file objects): compare the
# rest.
# Then with a second host in the case, the walks of this host alone
# (--host web) too.
"$BTRACK" db add --db case.db --host web ch.btl >/dev/null 2>&1 ||
	fail "db add of the log failed"
for w in "backtrack file:$T/fetched -" "backtrack file:$T/decoy.out -" \
    "forward file:$T/www/secret.txt -" "add" \
    "backtrack file:$T/fetched web" "forward file:$T/www/secret.txt web"; do
	set -- $w
	if [ "$1" = add ]; then
		"$BTRACK" import -o other.btl \
			"$BTRACK_TOP/tests/data/sarmoria.jsonl" >/dev/null 2>&1 &&
		"$BTRACK" db add --db case.db --host other other.btl \
			>/dev/null 2>&1 || fail "db add of a second host failed"
		continue
	fi
	host=
	[ "$3" = - ] || host="--host $3"
	"$BTRACK" "$1" --log ch.btl --from "$2" --format json --force \
		-o l.json 2>/dev/null
	# shellcheck disable=SC2086
	"$BTRACK" "$1" --db case.db $host --from "$2" --format json \
		--force -o d.json 2>/dev/null ||
		fail "$1 on the database failed ($w)"
	python3 - l.json d.json <<'PY' || fail "$w: the database walk differs"
import json, sys
def strip(o):
    if isinstance(o, dict):
        return {k: strip(v) for k, v in o.items()
                if k not in ("object", "file", "id", "inode", "dev")}
    if isinstance(o, list):
        return [strip(v) for v in o]
    return o
a, b = (strip(json.load(open(f))) for f in sys.argv[1:3])
if a != b:
    la = sorted(n.get("label", "") for n in a["nodes"])
    lb = sorted(n.get("label", "") for n in b["nodes"])
    print("log:", len(la), "nodes; database:", len(lb), "nodes;",
          "only in the log:", sorted(set(la) - set(lb))[:5])
    sys.exit(1)
PY
done
bt_chain d.json "file:$T/www/secret.txt" process:python3* \
	"endpoint:127.0.0.1:$P" process:curl "file:$T/fetched" ||
	fail "forward on the database does not reach curl's output"

echo "== text and DOT show the connection"
"$BTRACK" backtrack --log ch.btl --from "file:$T/fetched" 2>/dev/null |
	grep -q "connection" || fail "no connection in the text output"
"$BTRACK" backtrack --log ch.btl --from "file:$T/fetched" --format dot \
	2>/dev/null | grep -q "op=connection" ||
	fail "no connection in the DOT output"
# PROV: two entities, so wasDerivedFrom (never wasGeneratedBy with an
# entity as its activity)
"$BTRACK" backtrack --log ch.btl --from "file:$T/fetched" \
	--format prov-json -o back.prov 2>/dev/null
python3 - back.prov <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
acts = set(d.get("activity", {}))
conn = [r for r in d.get("wasDerivedFrom", {}).values()
        if r.get("btrack:op") == "connection"]
assert conn, "no connection in wasDerivedFrom"
for g in ("used", "wasGeneratedBy", "wasInvalidatedBy"):
    for r in d.get(g, {}).values():
        assert r["prov:activity"] in acts, (g, r)
PY
echo ok
