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
. "$BTRACK_TOP/tests/lib.sh"
bt_need_record pages


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
bt_chain page.json "file:$T/secret" process:/sqlite3 "file:$T/db.sqlite-wal" \
	process:/sqlite3 "file:$T/out"
bt_chain page.json "file:$T/secret" process:/sqlite3 "page:db.sqlite-shm #0" \
	process:/sqlite3 "file:$T/out"
bt_chain page.json "file:$T/db.sqlite" process:/sqlite3 "file:$T/out"
"$BTRACK" backtrack --log log.btl --from "file:$T/out" --granularity object \
	--format json -o object.json
bt_chain object.json "file:$T/secret" process:/sqlite3 \
	"file:$T/db.sqlite-shm" process:/sqlite3 "file:$T/out"
echo ok
