#!/bin/sh
# db-hosts.sh - connections between hosts in a case database (issue 11):
# two separate `btrack record` logs on this machine, host "web" (a client
# reads a secret and sends it over loopback TCP) and host "db" (a server
# receives it and writes a file), added to one case with --host.  A
# backtrack from the server's file on "db" reaches the secret on "web" and
# a forward walk from the secret reaches the server's file, on sqlite and
# on PostgreSQL (a private server, as tests/scenario/db-pg.sh starts it,
# when installed) with the same JSON.  Then clock skew: two imported logs
# of two machines (no loopback), the "db" one 3 s behind: still joined,
# the skew reported (about 3 s), and the walk crosses.  Each log added
# alone (one host) stays an island.  KEEP=DIR keeps the files.
set -eu
: "${BTRACK:=btrack}"
: "${BTRACK_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$BTRACK_TOP/tests/lib.sh"
command -v python3 >/dev/null 2>&1 || { echo "no python3"; exit 77; }

# The postgres user must enter the directory: under /tmp, not $TMPDIR.
T=${KEEP:-$(mktemp -d /tmp/btrack-hosts.XXXXXX)}
chmod 755 "$T"
tmp=$T
B=${B:-build}
bt_need_record
bin=
pg=
stop() {
	[ -n "$bin" ] && [ -f "$T/pg/postmaster.pid" ] &&
		as_pg "$bin/pg_ctl -D $T/pg -m immediate -w stop" \
			>/dev/null 2>&1
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap stop EXIT
trap 'exit 1' INT TERM HUP

# ---- two recordings: the server (host db) and the client (host web) ----
cd "$T"
echo "the secret $$" > secret.txt
cat > server.py <<'PY'
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
c, _ = s.accept()
data = b""
while True:
    b = c.recv(4096)
    if not b:
        break
    data += b
with open(sys.argv[2], "wb") as f:
    f.write(data)
PY
cat > client.py <<'PY'
import socket, sys
data = open(sys.argv[2], "rb").read()
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
c.sendall(data)
c.close()
PY
"$BTRACK" record -o db.btl -- python3 server.py port received.txt \
	2>server.err & srv=$!
i=0
until [ -s port ]; do
	i=$((i + 1))
	[ $i -lt 600 ] || { kill $srv; cat server.err; fail "no server"; }
	sleep 0.1
done
"$BTRACK" record -o web.btl -- python3 client.py "$(cat port)" secret.txt \
	2>client.err || { cat client.err; fail "the client failed"; }
wait $srv || { cat server.err; fail "the server failed"; }
cmp secret.txt received.txt || fail "the server did not receive the secret"

# ---- PostgreSQL, when there is one -------------------------------------
for d in /usr/lib/postgresql/*/bin; do
	[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && bin=$d
done
if [ "$(id -u)" = 0 ]; then
	as_pg() { su postgres -s /bin/sh -c "$*"; }
	id postgres >/dev/null 2>&1 || bin=
	[ -z "$bin" ] || chown postgres "$T"
else
	as_pg() { sh -c "$*"; }
fi
if [ -n "$bin" ] && command -v psql >/dev/null 2>&1 &&
   as_pg "$bin/initdb -D $T/pg -A trust -U postgres" >initdb.log 2>&1 &&
   as_pg "$bin/pg_ctl -D $T/pg -l $T/server.log -w -o \"-k $T -c listen_addresses=''\" start" \
	>/dev/null 2>&1; then
	psql -X -q -v ON_ERROR_STOP=1 "host=$T user=postgres dbname=postgres" \
		-c "CREATE DATABASE hosts" -c "CREATE DATABASE skew"
	pg="postgresql:///hosts?host=$T&user=postgres"
	pgskew="postgresql:///skew?host=$T&user=postgres"
else
	echo "note: no PostgreSQL server here: sqlite only" >&2
fi

# labels FILE: the sorted node labels of a JSON result
labels() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
for l in sorted(n["label"] for n in d["nodes"]): print(l)' "$1"
}

stores="$T/c.db"
[ -z "$pg" ] || stores="$stores $pg"
n=0
for db in $stores; do
	n=$((n + 1))
	expect 0 "$BTRACK" db add --db "$db" --host web web.btl
	expect 0 "$BTRACK" db add --db "$db" --host db db.btl
	expect 0 "$BTRACK" backtrack --db "$db" --from "file:$T/received.txt" \
		--format json
	cp "$T/out" "$T/back.$n"
	labels "$T/back.$n" > "$T/lab"
	grep -q "secret.txt" "$T/lab" ||
		fail "backtrack on $db: the secret on web is not reached: $(cat "$T/lab")"
	grep -q "client.py" "$T/lab" ||
		fail "backtrack on $db: web's client is not reached"
	# each node names its host: the secret on web, the file on db
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
h = {n["label"].rsplit("/", 1)[-1]: n["host"] for n in d["nodes"]}
assert h.get("received.txt") == "db", h
assert h.get("secret.txt") == "web", h
assert "clock_skew" in d' "$T/back.$n" ||
		fail "backtrack on $db: nodes do not name their hosts"
	expect 0 "$BTRACK" backtrack --db "$db" --from "file:$T/received.txt"
	grep -q "^  \[[0-9]*\] web: .*secret.txt" "$T/out" ||
		fail "text on $db: no 'web: ' before the secret"
	# the entry points too name their hosts
	sed -n '/^entry points/,$p' "$T/out" > "$T/entries"
	grep -q "^  [0-9]*\. \[[0-9]*\] web: " "$T/entries" ||
		fail "text on $db: the entry points do not name their hosts: $(cat "$T/entries")"
	expect 0 "$BTRACK" backtrack --db "$db" --from "file:$T/received.txt" \
		--format dot
	grep -q 'subgraph cluster_host_web' "$T/out" ||
		fail "dot on $db: no cluster for host web"
	expect 0 "$BTRACK" backtrack --db "$db" --from "file:$T/received.txt" \
		--format html
	grep -q '\["host","web"\]' "$T/out" ||
		fail "html on $db: no host line for web's nodes"
	expect 0 "$BTRACK" forward --db "$db" --from "file:$T/secret.txt" \
		--format json
	cp "$T/out" "$T/fwd.$n"
	labels "$T/fwd.$n" > "$T/lab"
	grep -q "received.txt" "$T/lab" ||
		fail "forward on $db: the server's file on db is not reached"
	# one host asked for: no crossing (an island, as its log alone)
	expect 0 "$BTRACK" backtrack --db "$db" --host db \
		--from "file:$T/received.txt" --format json
	labels "$T/out" > "$T/lab"
	grep -q "secret.txt" "$T/lab" &&
		fail "--host db alone reaches web's secret"
	# each log alone: the endpoint is an entry point, as before
	expect 0 "$BTRACK" backtrack --log db.btl \
		--from "file:$T/received.txt" --format json
	labels "$T/out" > "$T/lab"
	grep -q "secret.txt" "$T/lab" &&
		fail "the server's log alone reaches the secret"
	grep -q '"host"' "$T/out" &&
		fail "a result on one log names hosts"
	true
done
if [ -n "$pg" ]; then
	cmp -s "$T/back.1" "$T/back.2" ||
		fail "backtrack: PostgreSQL differs from sqlite: $(diff "$T/back.1" "$T/back.2" | head -5)"
	cmp -s "$T/fwd.1" "$T/fwd.2" ||
		fail "forward: PostgreSQL differs from sqlite"
fi

# ---- clock skew: two machines, db's clock 3 s behind --------------------
# web: 10 reads the secret, connects 10.0.0.1:40000 -> 10.0.0.2:5432 and
# sends it; db (its times 3 s early): 20 accepts it, receives, writes.
S=1000000000
cat > web.jsonl <<EOJ
{"time":$((100 * S)),"op":"read","pid":10,"path":"/w/secret","dev":8,"inode":1}
{"time":$((101 * S)),"op":"connect","pid":10,"remote":"10.0.0.2:5432","local":"10.0.0.1:40000"}
{"time":$((101 * S + 5000000)),"op":"send","pid":10,"remote":"10.0.0.2:5432","local":"10.0.0.1:40000","bytes":10}
EOJ
cat > db.jsonl <<EOJ
{"time":$((98 * S + 2000000)),"op":"accept","pid":20,"remote":"10.0.0.1:40000","local":"10.0.0.2:5432"}
{"time":$((98 * S + 6000000)),"op":"recv","pid":20,"remote":"10.0.0.1:40000","local":"10.0.0.2:5432","bytes":10}
{"time":$((99 * S)),"op":"write","pid":20,"path":"/d/out","dev":9,"inode":1}
EOJ
expect 0 "$BTRACK" import -o sweb.btl web.jsonl
expect 0 "$BTRACK" import -o sdb.btl db.jsonl
stores="$T/skew.db"
[ -z "$pg" ] || stores="$stores $pgskew"
n=0
for db in $stores; do
	n=$((n + 1))
	expect 0 "$BTRACK" db add --db "$db" --host web sweb.btl
	expect 0 "$BTRACK" db add --db "$db" --host db sdb.btl
	expect 0 "$BTRACK" backtrack --db "$db" --from file:/d/out \
		--format json
	cp "$T/out" "$T/skew.$n"
	labels "$T/out" > "$T/lab"
	grep -q "/w/secret" "$T/lab" ||
		fail "skew on $db: the secret is not reached: $(cat "$T/lab")"
	grep -q "clock skew between hosts: web vs db +2\.99[0-9] s (1 pair), applied" \
		"$T/err" ||
		fail "skew on $db: not reported as about 3 s: $(cat "$T/err")"
	expect 0 "$BTRACK" forward --db "$db" --from file:/w/secret \
		--format json
	labels "$T/out" > "$T/lab"
	grep -q "/d/out" "$T/lab" ||
		fail "skew on $db: forward does not reach /d/out"
done
if [ -n "$pg" ]; then
	cmp -s "$T/skew.1" "$T/skew.2" ||
		fail "skew: PostgreSQL differs from sqlite"
fi
echo "ok: two hosts joined (sqlite${pg:+ and PostgreSQL}), skew reported"
