#!/bin/sh
# db-pg.sh - a case database on a real PostgreSQL server: a server of its
# own (initdb and pg_ctl in a temporary directory, as the postgres user when
# run as root, on a unix socket in that directory only, no TCP), stopped at
# the end even on failure.  Then: db add of real logs (an import, the
# identity cases of issue 8, a generated log with its planted attack),
# add again (nothing added), info, save/list/show; backtrack and forward
# --db on PostgreSQL, on sqlite and on the log give the same JSON; 4
# concurrent `db add` of different hosts into one database: the counts of
# the same logs added one by one into sqlite, and adding them again adds
# nothing; databases that are not btrack cases, another schema version,
# an unreachable server and a refused login are refused, clearly.
set -eu
: "${BTRACK:=btrack}"
: "${BTRACK_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$BTRACK_TOP/tests/lib.sh"

bin=
for d in /usr/lib/postgresql/*/bin; do
	[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && bin=$d
done
[ -n "$bin" ] || { echo "no PostgreSQL server (apt-get install postgresql)"; exit 77; }
command -v psql >/dev/null 2>&1 || { echo "no psql (apt-get install postgresql-client)"; exit 77; }
if [ "$(id -u)" = 0 ]; then
	id postgres >/dev/null 2>&1 || { echo "no postgres user"; exit 77; }
	as_pg() { su postgres -s /bin/sh -c "$*"; }
else
	as_pg() { sh -c "$*"; }
fi

# The postgres user must enter the directory: under /tmp, not $TMPDIR.
tmp=$(mktemp -d /tmp/btrack-pg.XXXXXX)
chmod 755 "$tmp"
[ "$(id -u)" = 0 ] && chown postgres "$tmp"
stop() {
	[ -f "$tmp/data/postmaster.pid" ] &&
		as_pg "$bin/pg_ctl -D $tmp/data -m immediate -w stop" \
			>/dev/null 2>&1
	rm -rf "$tmp"
}
trap stop EXIT
trap 'exit 1' INT TERM HUP

as_pg "$bin/initdb -D $tmp/data -A trust -U postgres" >"$tmp/initdb.log" 2>&1 || {
	tail -n 5 "$tmp/initdb.log"
	echo "initdb failed: no PostgreSQL server for this test"
	exit 77
}
# A user with a password, for the refused login.
sed -i '1i local all alice scram-sha-256' "$tmp/data/pg_hba.conf"
as_pg "$bin/pg_ctl -D $tmp/data -l $tmp/server.log -w -o \"-k $tmp -c listen_addresses=''\" start" \
	>/dev/null 2>&1 || {
	tail -n 5 "$tmp/server.log"
	echo "the PostgreSQL server did not start"
	exit 77
}
psql_() { psql -X -q -v ON_ERROR_STOP=1 "host=$tmp user=postgres dbname=$1" -At -c "$2"; }
mkdb() { psql_ postgres "CREATE DATABASE $1"; }
uri() { echo "postgresql:///$1?host=$tmp&user=postgres"; }

# ---- logs --------------------------------------------------------------
expect 0 "$BTRACK" import -o "$tmp/s.btl" "$BTRACK_TOP/tests/data/sarmoria.jsonl"
cat >"$tmp/id.jsonl" <<'EOJ'
{"time":1,"op":"fork","pid":10,"child":11,"uid":1000,"euid":1000,"gid":100,"egid":100}
{"time":2,"op":"read","pid":11,"path":"/w/secret","dev":8,"inode":1}
{"time":3,"op":"create","pid":11,"path":"/w/t","dev":8,"inode":2}
{"time":4,"op":"write","pid":11,"path":"/w/t","dev":8,"inode":2}
{"time":5,"op":"rename","pid":12,"path":"/w/t","new_path":"/w/a","dev":8,"inode":2}
{"time":6,"op":"read","pid":13,"path":"/w/a","dev":8,"inode":2}
{"time":7,"op":"write","pid":13,"path":"/w/b","dev":8,"inode":3}
{"time":11,"op":"write","pid":22,"path":"/w/reuse","dev":8,"inode":5}
{"time":12,"op":"read","pid":23,"path":"/w/reuse","dev":8,"inode":5}
{"time":13,"op":"write","pid":30,"path":"/s/x"}
{"time":14,"op":"unlink","pid":30,"path":"/s/x"}
{"time":15,"op":"write","pid":31,"path":"/s/x"}
{"time":16,"op":"read","pid":32,"path":"/s/x"}
{"time":20,"op":"setid","pid":13,"uid":0,"euid":0}
{"time":24,"op":"exec","pid":13,"path":"/bin/\u00e9t\u00e9 x","argv":["a","b c"]}
EOJ
expect 0 "$BTRACK" import -o "$tmp/id.btl" "$tmp/id.jsonl"
for s in 1 2 3 4; do
	expect 0 "$BTRACK" gen -n 20k -s $s -o "$tmp/g$s.btl"
done

# ---- add, info, add again ---------------------------------------------
mkdb c1
pg=$(uri c1)
sq=$tmp/c1.db
for store in "$pg" "$sq"; do
	expect 0 "$BTRACK" db add --db "$store" --host web1 "$tmp/s.btl"
	grep -q 'added as log 1 (host web1): 10 events, 9 objects (9 new)' \
		"$tmp/out" || fail "db add said: $(cat "$tmp/out")"
	expect 0 "$BTRACK" db add --db "$store" --host web2 "$tmp/id.btl"
	expect 0 "$BTRACK" db add --db "$store" --host web3 "$tmp/g2.btl"
	expect 0 "$BTRACK" db add --db "$store" --host web3 "$tmp/g2.btl"
	grep -q 'already in the database as log 3, nothing added' "$tmp/out" ||
		fail "second add said: $(cat "$tmp/out")"
done
expect 0 "$BTRACK" db info --db "$pg"
sed 's/, [^,]*$//' "$tmp/out" >"$tmp/info.pg"
expect 0 "$BTRACK" db info --db "$sq"
sed 's/, [^,]*$//' "$tmp/out" >"$tmp/info.sq"
diff "$tmp/info.sq" "$tmp/info.pg" >&2 || fail "db info differs on PostgreSQL"
# A conninfo string names the same database.
expect 0 "$BTRACK" db info --db "host=$tmp user=postgres dbname=c1"
sed 's/, [^,]*$//' "$tmp/out" | cmp -s - "$tmp/info.pg" || fail "conninfo: $(cat "$tmp/out")"
grep -q '^events  *20029$' "$tmp/info.pg" || fail "info: $(cat "$tmp/info.pg")"
[ "$(psql_ c1 'SELECT count(*) FROM events')" = 20029 ] ||
	fail "psql does not count 20029 events"
[ "$(psql_ c1 "SELECT convert_from(path, 'UTF8') FROM objects WHERE
	kind = 'file' AND host = 'web1' AND path = '/X'")" = /X ] ||
	fail "no /X in objects"
# Each add of a log with events is one partition of events (three; the
# add of a log already there made none), and the rows are all reachable
# through the parent's indexes.
[ "$(psql_ c1 "SELECT count(*) FROM pg_inherits WHERE
	inhparent = 'events'::regclass")" = 3 ] ||
	fail "events partitions: $(psql_ c1 "SELECT inhrelid::regclass FROM pg_inherits")"
[ "$(psql_ c1 "SET enable_seqscan = off; SELECT count(*) FROM events
	WHERE effect > 0")" = 20029 ] || fail "the events' indexes miss rows"
# A file's path column is the latest name it had (renamed at 5).
[ "$(psql_ c1 "SELECT convert_from(path, 'UTF8') FROM objects WHERE
	kind = 'file' AND host = 'web2' AND dev = 8 AND ino = 2")" = /w/a ] ||
	fail "a renamed file's path column is not its latest name"

# ---- walks: PostgreSQL, sqlite and the log give the same JSON ----------
same() {  # what, then the three commands' outputs
	cmp -s "$tmp/w.sq" "$tmp/w.pg" ||
		fail "$1: PostgreSQL differs from sqlite: $(diff "$tmp/w.sq" "$tmp/w.pg" | head -5)"
}
for dir in backtrack forward; do
	for spec in file:/X file:/A proc:3 file:/w/b file:/w/a file:/s/x \
		proc:13 file:/var/tmp/.x/loot endpoint:203.0.113.66:4444; do
		"$BTRACK" $dir --db "$sq" --from "$spec" --format json \
			>"$tmp/w.sq" 2>"$tmp/err.sq" || true
		"$BTRACK" $dir --db "$pg" --from "$spec" --format json \
			>"$tmp/w.pg" 2>"$tmp/err.pg" || true
		same "$dir $spec"
		cmp -s "$tmp/err.sq" "$tmp/err.pg" || fail "$dir $spec: errors differ"
	done
done
for h in "web1 s file:/X" "web2 id file:/w/b" "web3 g2 file:/var/tmp/.x/loot"; do
	set -- $h
	"$BTRACK" backtrack --log "$tmp/$2.btl" --from "$3" --format json >"$tmp/w.log"
	"$BTRACK" backtrack --db "$sq" --host "$1" --from "$3" --format json >"$tmp/w.sq"
	"$BTRACK" backtrack --db "$pg" --host "$1" --from "$3" --format json >"$tmp/w.pg"
	cmp -s "$tmp/w.log" "$tmp/w.sq" || fail "--host $1: sqlite differs from the log"
	same "--host $1 $3"
done
bt_chain "$tmp/w.pg" "endpoint:203.0.113.66:4444" "file:/var/tmp/.x/loot"
# The walk reads what it needs, a frontier a query: fewer events than the
# database has, and the answer of the whole database (BTRACK_DB_WALK=all).
for store in "$pg" "$sq"; do
	BTRACK_DB_STATS=1 "$BTRACK" backtrack --db "$store" --from file:/var/tmp/.x/loot \
		--format json >"$tmp/w.f" 2>"$tmp/err"
	kept=$(sed -n 's/.* \([0-9]*\) frontiers, .* \([0-9]*\) events kept$/\1 \2/p' "$tmp/err")
	[ -n "$kept" ] || fail "no BTRACK_DB_STATS note: $(cat "$tmp/err")"
	set -- $kept
	[ "$1" -ge 2 ] && [ "$2" -lt 20029 ] && [ "$2" -gt 0 ] ||
		fail "the walk read $2 events in $1 frontiers"
	BTRACK_DB_WALK=all "$BTRACK" backtrack --db "$store" --from file:/var/tmp/.x/loot \
		--format json >"$tmp/w.all" 2>/dev/null
	cmp -s "$tmp/w.f" "$tmp/w.all" || fail "the frontier walk differs from the whole database's"
done

# ---- hostile values: what the binary COPY sends comes back exactly -----
# Times from 1 ns to the largest JSON gives, the largest devices and
# inodes it gives, the largest uid and pid, a path of 3,000
# bytes, paths and argv with newlines, tabs, backslashes, quotes, "\N"
# (text COPY's NULL), non-ASCII and control bytes: the same JSON from the
# log, sqlite and PostgreSQL, both ways.
long=$(printf '%03000d' 0 | tr 0 y)
cat >"$tmp/hv.jsonl" <<EOJ
{"time":1,"op":"fork","pid":4194303,"child":4194304,"uid":4294967294,"euid":4294967294,"gid":4294967294,"egid":4294967294}
{"time":2,"op":"read","pid":4194304,"path":"/h/in\\\\N\\nline\\ttab\\\\back\\"q'","dev":9223372036854775807,"inode":9223372036854775807}
{"time":2,"op":"exec","pid":4194304,"path":"/h/\\u00e9\\u0001\\u001f\\u007f x","argv":["\\\\N","a\\nb","","\\u00ff\\t"]}
{"time":3,"op":"read","pid":4194304,"path":"/h/$long","dev":9223372036854775806,"inode":1}
{"time":9223372036854775806,"op":"write","pid":4194304,"path":"/h/out\\\\N","dev":1,"inode":1}
{"time":9223372036854775807,"op":"rename","pid":4194304,"path":"/h/out\\\\N","new_path":"/h/\\n","dev":1,"inode":1}
EOJ
expect 0 "$BTRACK" import -o "$tmp/hv.btl" "$tmp/hv.jsonl"
mkdb hv
for store in "$(uri hv)" "$tmp/hv.db"; do
	expect 0 "$BTRACK" db add --db "$store" --host 'h\N	"x' "$tmp/hv.btl"
done
for dir in backtrack forward; do
	for spec in 'file:/h/
' proc:4194303 proc:4194304; do
		"$BTRACK" $dir --log "$tmp/hv.btl" --from "$spec" --format json >"$tmp/w.log"
		"$BTRACK" $dir --db "$tmp/hv.db" --from "$spec" --format json >"$tmp/w.sq"
		"$BTRACK" $dir --db "$(uri hv)" --from "$spec" --format json >"$tmp/w.pg"
		same "hostile values: $dir $spec"
		"$BTRACK" $dir --db "$tmp/hv.db" --host 'h\N	"x' --from "$spec" \
			--format json >"$tmp/w.sq"
		cmp -s "$tmp/w.log" "$tmp/w.sq" ||
			fail "hostile values: $dir $spec: sqlite differs from the log"
	done
done
"$BTRACK" backtrack --db "$(uri hv)" --from 'file:/h/
' --format json >"$tmp/w.pg"
for v in '"/h/\\x0a"' 9223372036854775806 '"uid": 4294967294' \
	'"a\\x0ab"' '"\\\\N"' yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy; do
	grep -qF -- "$v" "$tmp/w.pg" || fail "hostile values: no $v in $(head -c 300 "$tmp/w.pg")"
done

# ---- investigations ---------------------------------------------------
expect 0 "$BTRACK" db save --db "$pg" loot --from file:/var/tmp/.x/loot
expect 1 "$BTRACK" db save --db "$pg" loot --from file:/var/tmp/.x/loot
grep -q "already exists" "$tmp/err" || fail "save twice: $(cat "$tmp/err")"
expect 0 "$BTRACK" db list --db "$pg"
grep -q '^loot' "$tmp/out" || fail "list: $(cat "$tmp/out")"
expect 0 "$BTRACK" db show --db "$pg" --format json loot
"$BTRACK" backtrack --db "$pg" --from file:/var/tmp/.x/loot --format json \
	>"$tmp/walk.json"
cmp -s "$tmp/out" "$tmp/walk.json" || fail "db show differs from the walk"

# ---- busy objects: what a frontier reads of each -------------------------
# A file read 150 times by one process then by 80 others and executed
# after the point, another read as much and never executed, one read 1,150
# times by one process before the others (past the 1,024 events a frontier
# steps through), a library
# everybody reads, a file the walk meets twice (core/db.c,
# bt_db_frontier_sql()), a file emptied by a truncate to 0 with more
# writes before it than a frontier reads: the same JSON from the log,
# sqlite and PostgreSQL, and the same HTML report (every event of its
# nodes) from both.
awk 'function ev(s) { printf "{\"time\":%.0f,%s}\n", ++t * 1e9, s }
BEGIN {
	for (i = 20; i <= 25; i++) ev("\"op\":\"fork\",\"pid\":1,\"child\":" i)
	ev("\"op\":\"write\",\"pid\":10,\"path\":\"/tmp/shared\"")
	for (i = 0; i < 150; i++) {
		ev("\"op\":\"read\",\"pid\":20,\"path\":\"/tmp/payload\"")
		ev("\"op\":\"read\",\"pid\":20,\"path\":\"/tmp/common\"")
		ev("\"op\":\"read\",\"pid\":20,\"path\":\"/tmp/often\"")
	}
	for (i = 0; i < 1000; i++)
		ev("\"op\":\"read\",\"pid\":20,\"path\":\"/tmp/often\"")
	for (i = 100; i < 180; i++) {
		ev("\"op\":\"read\",\"pid\":" i ",\"path\":\"/tmp/payload\"")
		ev("\"op\":\"read\",\"pid\":" i ",\"path\":\"/tmp/common\"")
		ev("\"op\":\"read\",\"pid\":" i ",\"path\":\"/tmp/often\"")
		ev("\"op\":\"read\",\"pid\":" i ",\"path\":\"/usr/lib/libc.so.6\"")
	}
	ev("\"op\":\"read\",\"pid\":21,\"path\":\"/usr/lib/libc.so.6\"")
	ev("\"op\":\"read\",\"pid\":21,\"path\":\"/tmp/payload\"")
	ev("\"op\":\"read\",\"pid\":21,\"path\":\"/tmp/common\"")
	ev("\"op\":\"read\",\"pid\":21,\"path\":\"/tmp/often\"")
	ev("\"op\":\"read\",\"pid\":21,\"path\":\"/tmp/shared\"")
	ev("\"op\":\"write\",\"pid\":24,\"path\":\"/tmp/shared\"")
	ev("\"op\":\"write\",\"pid\":21,\"path\":\"/tmp/out\"")
	ev("\"op\":\"read\",\"pid\":23,\"path\":\"/tmp/shared\"")
	ev("\"op\":\"write\",\"pid\":23,\"path\":\"/tmp/y\"")
	ev("\"op\":\"read\",\"pid\":22,\"path\":\"/tmp/y\"")
	ev("\"op\":\"write\",\"pid\":22,\"path\":\"/tmp/out\"")
	ev("\"op\":\"exec\",\"pid\":30,\"path\":\"/tmp/payload\"")
	ev("\"op\":\"write\",\"pid\":25,\"path\":\"/tmp/shared\"")
	# copytruncate: /tmp/rot written by 40, copied by 41, emptied by 42
	# (past the first events a frontier reads of its writers), written
	# by 43, copied by 44
	for (i = 0; i < 100; i++)
		ev("\"op\":\"write\",\"pid\":40,\"path\":\"/tmp/rot\"")
	ev("\"op\":\"read\",\"pid\":41,\"path\":\"/tmp/rot\"")
	ev("\"op\":\"write\",\"pid\":41,\"path\":\"/tmp/rot.1\"")
	ev("\"op\":\"truncate\",\"pid\":42,\"path\":\"/tmp/rot\",\"length\":0")
	for (i = 0; i < 100; i++)
		ev("\"op\":\"write\",\"pid\":43,\"path\":\"/tmp/rot\"")
	ev("\"op\":\"read\",\"pid\":44,\"path\":\"/tmp/rot\"")
	ev("\"op\":\"write\",\"pid\":44,\"path\":\"/tmp/after\"")
}' >"$tmp/busy.jsonl"
expect 0 "$BTRACK" import -o "$tmp/busy.btl" "$tmp/busy.jsonl"
mkdb c6
for store in "$(uri c6)" "$tmp/c6.db"; do
	expect 0 "$BTRACK" db add --db "$store" --host b "$tmp/busy.btl"
done
# (times: the awk's seconds; --since 1200 falls between /tmp/shared's
# first write and the walk's reads of it, --until before the second write
# into /tmp/out)
for w in "backtrack file:/tmp/out" "backtrack file:/tmp/shared" \
	"forward proc:10" "forward proc:20" \
	"backtrack file:/tmp/out --max-nodes 4" \
	"backtrack file:/tmp/out --since 1200" \
	"backtrack file:/tmp/out --until 1786 --granularity object" \
	"forward proc:10 --max-nodes 3" \
	"backtrack file:/tmp/after" "forward proc:40"; do
	set -- $w
	d=$1 f=$2
	shift 2
	"$BTRACK" $d --log "$tmp/busy.btl" --from "$f" "$@" --format json >"$tmp/w.log"
	"$BTRACK" $d --db "$tmp/c6.db" --from "$f" "$@" --format json >"$tmp/w.sq"
	"$BTRACK" $d --db "$(uri c6)" --from "$f" "$@" --format json >"$tmp/w.pg"
	cmp -s "$tmp/w.log" "$tmp/w.sq" || fail "busy $w: sqlite differs from the log"
	same "busy $w"
	# an emptying ends the writes before it (K2), on every store
	case $f in
	file:/tmp/after) yes='"process \[43\]"' no='"process \[40\]"' ;;
	proc:40) yes='"/tmp/rot.1"' no='"/tmp/after"' ;;
	*) yes= no= ;;
	esac
	[ -z "$yes" ] || { grep -q "$yes" "$tmp/w.pg" &&
		! grep -q "$no" "$tmp/w.pg"; } ||
		fail "busy $w: the emptying of /tmp/rot is not a cut"
	# the HTML report's count of each node's events, in the log
	for s in log sq pg; do
		case $s in
		log) src="--log $tmp/busy.btl" ;;
		sq) src="--db $tmp/c6.db" ;;
		pg) src="--db $(uri c6)" ;;
		esac
		"$BTRACK" $d $src --from "$f" "$@" --format html 2>/dev/null |
			grep -o '[0-9]* events\{0,1\} affects\{0,1\} it, it caused [0-9]*' >"$tmp/n.$s"
	done
	[ -s "$tmp/n.log" ] && cmp -s "$tmp/n.log" "$tmp/n.sq" && cmp -s "$tmp/n.log" "$tmp/n.pg" ||
		fail "busy $w: the HTML report's counts differ: $(cat "$tmp/n.log" "$tmp/n.pg")"
done

# ---- four at once ------------------------------------------------------
mkdb c4
pg4=$(uri c4)
for s in 1 2 3 4; do
	"$BTRACK" db add --db "$pg4" --host h$s "$tmp/g$s.btl" \
		>"$tmp/add$s.out" 2>"$tmp/add$s.err" &
	eval "p$s=\$!"
done
for s in 1 2 3 4; do
	eval "wait \$p$s" || fail "concurrent add $s: $(cat "$tmp/add$s.err")"
done
for s in 1 2 3 4; do
	expect 0 "$BTRACK" db add --db "$tmp/c4.db" --host h$s "$tmp/g$s.btl"
done
counts() {
	for t in logs hosts events labels notes; do
		psql_ c4 "SELECT count(*) FROM $t"
	done
	psql_ c4 "SELECT count(*), count(DISTINCT ident), max(id) FROM objects"
	psql_ c4 "SELECT max(id) FROM events"
}
counts >"$tmp/n4"
for t in logs hosts events labels notes; do
	sqlite3 "$tmp/c4.db" "SELECT count(*) FROM $t"
done >"$tmp/n4.sq"
sqlite3 -separator '|' "$tmp/c4.db" "SELECT count(*), count(DISTINCT ident), max(id) FROM objects" >>"$tmp/n4.sq"
sqlite3 "$tmp/c4.db" "SELECT max(id) FROM events" >>"$tmp/n4.sq"
diff "$tmp/n4.sq" "$tmp/n4" >&2 || fail "4 concurrent adds: counts differ from sqlite's"
[ "$(sed -n 3p "$tmp/n4")" = 80000 ] || fail "not 80000 events: $(cat "$tmp/n4")"
for s in 1 2 3 4; do
	"$BTRACK" db add --db "$pg4" --host h$s "$tmp/g$s.btl" \
		>"$tmp/add$s.out" 2>&1 &
	eval "p$s=\$!"
done
for s in 1 2 3 4; do
	eval "wait \$p$s" || fail "second add $s: $(cat "$tmp/add$s.out")"
	grep -q 'nothing added' "$tmp/add$s.out" ||
		fail "second add $s: $(cat "$tmp/add$s.out")"
done
counts >"$tmp/n4b"
cmp -s "$tmp/n4" "$tmp/n4b" || fail "adding again changed the counts"
# One host of the four: the walk its log gives.
"$BTRACK" forward --db "$pg4" --host h3 --from endpoint:203.0.113.66:4444 \
	--format json >"$tmp/w.pg"
"$BTRACK" forward --db "$tmp/c4.db" --host h3 --from endpoint:203.0.113.66:4444 \
	--format json >"$tmp/w.sq"
bt_chain "$tmp/w.pg" "endpoint:203.0.113.66:4444" "file:/var/tmp/.x/loot"

# ---- a log that grew ----------------------------------------------------
# A recording added, then recorded on (--append) and added again: only its
# new records go in, into a partition of their own, as on sqlite.
mkdb gr
expect 0 "$BTRACK" record -o "$tmp/gr.btl" -- sh -c "cat /etc/hostname >$tmp/gr1"
for store in "$(uri gr)" "$tmp/gr.db"; do
	expect 0 "$BTRACK" db add --db "$store" --host r "$tmp/gr.btl"
done
expect 0 "$BTRACK" record --append -o "$tmp/gr.btl" -- sh -c "cat $tmp/gr1 >$tmp/gr2"
for s in "pg $(uri gr)" "sq $tmp/gr.db"; do
	set -- $s
	expect 0 "$BTRACK" db add --db "$2" --host r "$tmp/gr.btl"
	grep -q 'grew since it was added' "$tmp/out" || fail "grown log: $(cat "$tmp/out")"
	expect 0 "$BTRACK" db info --db "$2"
	sed 's/, [^,]*$//' "$tmp/out" >"$tmp/gr.info.$1"
done
diff "$tmp/gr.info.sq" "$tmp/gr.info.pg" >&2 || fail "grown log: db info differs"
[ "$(psql_ gr "SELECT count(*) FROM pg_inherits WHERE
	inhparent = 'events'::regclass")" = 2 ] || fail "grown log: not two partitions"
"$BTRACK" backtrack --log "$tmp/gr.btl" --from "file:$tmp/gr2" --format json >"$tmp/w.log"
"$BTRACK" backtrack --db "$tmp/gr.db" --from "file:$tmp/gr2" --format json >"$tmp/w.sq"
"$BTRACK" backtrack --db "$(uri gr)" --from "file:$tmp/gr2" --format json >"$tmp/w.pg"
same "grown log"
cmp -s "$tmp/w.log" "$tmp/w.sq" || fail "grown log: sqlite differs from the log"
grep -q "\"$tmp/gr1\"" "$tmp/w.pg" || fail "grown log: the walk misses $tmp/gr1"

# ---- an add killed -----------------------------------------------------
# A `db add` killed (SIGKILL) while it streams its events: whenever the
# kill lands, the database shows the log whole or not at all (no log row,
# no partition, no events), and the add run again completes it.
mkdb c5
expect 0 "$BTRACK" gen -n 300k -s 5 -o "$tmp/k.btl"
kn=$("$BTRACK" log info "$tmp/k.btl" | sed -n 's/^events: *//p')
"$BTRACK" db add --db "$(uri c5)" --host k "$tmp/k.btl" >/dev/null 2>&1 &
kpid=$!
i=0
while [ "$(psql_ c5 "SELECT count(*) FROM pg_stat_activity WHERE
	query LIKE 'COPY events%' AND state = 'active'")" = 0 ] &&
	kill -0 $kpid 2>/dev/null && [ $i -lt 600 ]; do
	sleep 0.05
	i=$((i + 1))
done
kill -9 $kpid 2>/dev/null || :
wait $kpid 2>/dev/null || :
state=$(psql_ c5 "SELECT (SELECT count(*) FROM logs) || ' ' ||
	(SELECT count(*) FROM events) || ' ' || (SELECT count(*) FROM
	pg_inherits WHERE inhparent = 'events'::regclass)")
case $state in
"0 0 0"|"1 $kn 1") ;;
*) fail "a killed add left logs, events, partitions: $state" ;;
esac
expect 0 "$BTRACK" db add --db "$(uri c5)" --host k "$tmp/k.btl"
[ "$(psql_ c5 "SELECT count(*) FROM events")" = "$kn" ] &&
[ "$(psql_ c5 "SELECT count(*) FROM logs")" = 1 ] ||
	fail "the add after a killed one: $(cat "$tmp/out")"

# ---- refused -----------------------------------------------------------
mkdb empty
expect 3 "$BTRACK" db info --db "$(uri empty)"
grep -q "is an empty database, not a btrack case database" "$tmp/err" ||
	fail "empty: $(cat "$tmp/err")"
mkdb other
psql_ other "CREATE TABLE logs(x int)"
expect 3 "$BTRACK" db add --db "$(uri other)" "$tmp/s.btl"
grep -q "is a PostgreSQL database but not a btrack case database" "$tmp/err" ||
	fail "foreign: $(cat "$tmp/err")"
[ "$(psql_ other 'SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()')" = 1 ] ||
	fail "a foreign database was changed"
psql_ c1 "UPDATE btrack SET version = 99"
expect 3 "$BTRACK" backtrack --db "$pg" --from file:/X
grep -q "case database version 99, this btrack reads version" "$tmp/err" ||
	fail "version: $(cat "$tmp/err")"
expect 1 "$BTRACK" db info --db "postgresql:///c1?host=$tmp/nowhere&user=postgres"
grep -q "cannot reach the server" "$tmp/err" || fail "unreachable: $(cat "$tmp/err")"
expect 1 "$BTRACK" db info --db "$(uri nosuchdb)"
grep -q 'database "nosuchdb" does not exist' "$tmp/err" ||
	fail "no database: $(cat "$tmp/err")"
psql_ postgres "CREATE ROLE alice LOGIN PASSWORD 'right'"
expect 1 env PGPASSWORD=wrong "$BTRACK" db info --db "postgresql://alice@/c1?host=$tmp"
grep -q "login refused" "$tmp/err" || fail "auth: $(cat "$tmp/err")"
expect 1 "$BTRACK" db info --db "postgresql://alice:wrong@/c1?host=$tmp"
grep -q "wrong" "$tmp/err" && fail "the password is in the message"
echo "ok: PostgreSQL and sqlite agree"
