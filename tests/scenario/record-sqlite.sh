#!/bin/sh
# record-sqlite.sh - SQLite in WAL mode under btrack record: a writer
# process inserts the contents of a secret file (readfile()), a separate
# reader process selects it into OUT while a third connection keeps the WAL
# from being checkpointed away.  Backtracking OUT reaches the secret
# through the writer, the -wal file and the reader, and through the pages
# of the -shm wal-index the two processes share by mmap (page monitor).
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
T=$tmp
B=${B:-build}
command -v sqlite3 >/dev/null 2>&1 || { echo "no sqlite3 program (apt-get install sqlite3)"; exit 77; }
so=${BTRACK_PRELOAD:-$BTRACK_TOP/$B/libbtrack-pages.so}
[ -f "$so" ] || { echo "page monitor $so not built yet"; exit 77; }
export BTRACK_PRELOAD="$so"
"$BTRACK" record --no-pages -o "$T/probe.btl" -- true 2>"$T/err" || {
	cat "$T/err"
	echo "ptrace/seccomp not usable here: $(tail -n 1 "$T/err")"
	exit 77
}

# chain JSON STEP... : a directed path through the result graph visits
# nodes matching the steps in order (kind:text matches a node of that kind
# whose path, exe or label ends with text).
chain() {
	python3 - "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
nodes = {n["id"]: n for n in d["nodes"]}
out = {}
for e in d["edges"]:
    out.setdefault(e["from"], set()).add(e["to"])
def match(n, step):
    kind, text = step.split(":", 1)
    if n["kind"] != kind:
        return False
    return any(str(n.get(k) or "").endswith(text)
               for k in ("path", "exe", "label"))
def reach(a, b):
    seen, todo = {a}, [a]
    while todo:
        x = todo.pop()
        if x == b:
            return True
        for y in out.get(x, ()):
            if y not in seen:
                seen.add(y); todo.append(y)
    return False
steps = sys.argv[2:]
cur = [i for i, n in nodes.items() if match(n, steps[0])]
if not cur:
    sys.exit("no node for %s" % steps[0])
for s in steps[1:]:
    nxt = [i for i, n in nodes.items() if match(n, s)]
    if not nxt:
        sys.exit("no node for %s" % s)
    cur = [b for b in nxt if any(reach(a, b) for a in cur)]
    if not cur:
        sys.exit("no path to %s" % s)
PY
}

cd "$T"
printf 'TOPSECRET-%s' $$ > secret
# the database is made inside the recording, so it is an object some
# recorded process wrote (not a read-only input)
"$BTRACK" record -o log.btl -- sh -c '
	sqlite3 db.sqlite "PRAGMA journal_mode=WAL; CREATE TABLE t(x);" >/dev/null
	(echo "SELECT count(*) FROM t;"; sleep 1.5) | sqlite3 db.sqlite >/dev/null &
	sleep 0.5
	sqlite3 db.sqlite "INSERT INTO t VALUES(readfile('"'secret'"'));"
	sqlite3 db.sqlite "SELECT x FROM t;" > out
	wait' 2>"$T/err"
cat "$T/err"
[ "$(cat out)" = "$(cat secret)" ]

"$BTRACK" backtrack --log log.btl --from "file:$T/out" --format json \
	-o page.json
chain page.json "file:$T/secret" process:/sqlite3 "file:$T/db.sqlite-wal" \
	process:/sqlite3 "file:$T/out"
chain page.json "file:$T/secret" process:/sqlite3 "page:db.sqlite-shm #0" \
	process:/sqlite3 "file:$T/out"
chain page.json "file:$T/db.sqlite" process:/sqlite3 "file:$T/out"
"$BTRACK" backtrack --log log.btl --from "file:$T/out" --granularity object \
	--format json -o object.json
chain object.json "file:$T/secret" process:/sqlite3 \
	"file:$T/db.sqlite-shm" process:/sqlite3 "file:$T/out"
echo ok
