#!/bin/sh
# tests/bench-db.sh - the case database on sqlite and on PostgreSQL, from
# `make bench` (tests/bench.sh): on a BENCH_DB_EVENTS (default 2000000)
# event gen log, the `db add` rate into sqlite and into PostgreSQL (COPY;
# target >= 1 M events/s), then the backtrack from the planted detection
# point on the log, on the sqlite database, on the PostgreSQL database
# (end to end, JSON compared) and as a plain recursive CTE on the same
# PostgreSQL database (psql, median of 3).  With the load average: other
# work on the machine slows every figure.
#
# It starts its own PostgreSQL server (initdb/pg_ctl in a temporary
# directory, unix socket only) and stops it at exit; without a server it
# says so and measures sqlite only.  A benchmark reports: a MISS exits 0.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$top/btrack}
n=${BENCH_DB_EVENTS:-2000000}

tmp=$(mktemp -d /tmp/btbenchdb.XXXXXX)
chmod 755 "$tmp"
bin=
for d in /usr/lib/postgresql/*/bin; do
	[ -x "$d/initdb" ] && bin=$d
done
as_pg() {
	if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}
stop() {
	[ -f "$tmp/data/postmaster.pid" ] &&
		as_pg "$bin/pg_ctl -D $tmp/data -m immediate -w stop" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap stop EXIT
trap 'exit 1' INT TERM HUP

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s / 1000 }'; }
row() { printf '%-58s %12s %-12s %s\n' "$1" "$2" "${3:-}" "${4:-}"; }

echo "btrack db benchmark: $n events, $(nproc) cpus, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$BIN" gen -n "$n" -s 1 -o "$tmp/g.btl" >"$tmp/gen.out" 2>&1
det=$(sed -n 's/^detection point: //p' "$tmp/gen.out")
nev=$("$BIN" log info "$tmp/g.btl" | sed -n 's/^events: *//p')

pg=
if [ -n "$bin" ] && { [ "$(id -u)" != 0 ] || id postgres >/dev/null 2>&1; }; then
	[ "$(id -u)" = 0 ] && chown postgres "$tmp"
	if as_pg "$bin/initdb -D $tmp/data -A trust -U postgres" >"$tmp/initdb.log" 2>&1 &&
	   as_pg "$bin/pg_ctl -D $tmp/data -l $tmp/server.log -w -o \"-k $tmp -c listen_addresses='' -c fsync=off -c max_wal_size=4GB\" start" >/dev/null 2>&1; then
		psql -X -q "host=$tmp user=postgres dbname=postgres" -c "CREATE DATABASE bench"
		pg="postgresql:///bench?host=$tmp&user=postgres"
	fi
fi
[ -n "$pg" ] || echo "bench-db: no PostgreSQL server here: sqlite only"

t0=$(now)
"$BIN" db add --db "$tmp/case.db" --host h1 "$tmp/g.btl" >/dev/null
s=$(since "$t0")
row "db add into sqlite ($nev events)" "$(rate "$nev" "$s")" "k events/s"
if [ -n "$pg" ]; then
	t0=$(now)
	"$BIN" db add --db "$pg" --host h1 "$tmp/g.btl" >/dev/null
	s=$(since "$t0")
	r=$(rate "$nev" "$s")
	row "db add into PostgreSQL (COPY, fsync=off)" "$r" "k events/s" \
		"target >= 1000: $(awk -v r="$r" 'BEGIN { print (r >= 1000 ? "PASS" : "MISS") }')"
fi

# walk SRC LABEL: one end-to-end backtrack, its time and what it asked.
walk() {
	src=$1
	shift
	t0=$(now)
	BTRACK_DB_STATS=1 "$BIN" backtrack $src --from "$det" --format json \
		>"$tmp/w.json" 2>"$tmp/w.err"
	s=$(since "$t0")
	st=$(sed -n 's/^btrack: [A-Za-z]*: \(.* queries, .*\)$/\1/p' "$tmp/w.err")
	row "$*" "$s" s "$st"
}
walk "--log $tmp/g.btl" "backtrack $det: on the log"
cp "$tmp/w.json" "$tmp/log.json"
BTRACK_DB_WALK=all walk "--db $tmp/case.db" "  sqlite, whole database (before)"
walk "--db $tmp/case.db" "  sqlite, one query per frontier"
same=no
cmp -s "$tmp/log.json" "$tmp/w.json" && same=yes
row "  same JSON as the log" "$same"
if [ -n "$pg" ]; then
	BTRACK_DB_WALK=all walk "--db $pg" "  PostgreSQL, whole database (before)"
	walk "--db $pg" "  PostgreSQL, one query per frontier"
	same=no
	cmp -s "$tmp/log.json" "$tmp/w.json" && same=yes
	row "  same JSON as the log" "$same"
	path=${det#file:}
	cat >"$tmp/cte.sql" <<EOS
\\timing on
WITH RECURSIVE walk(obj, threshold) AS (
  SELECT o.id, (SELECT max(e.time) FROM events e WHERE e.effect = o.id)
  FROM objects o WHERE o.kind = 'file' AND o.path = convert_to('$path', 'UTF8')
  UNION
  SELECT e.cause, e.time
  FROM walk w JOIN events e ON e.effect = w.obj AND e.time <= w.threshold
)
SELECT count(*) FROM (SELECT obj, max(threshold) FROM walk GROUP BY obj) AS x;
EOS
	for i in 1 2 3; do
		psql -X -q "host=$tmp user=postgres dbname=bench" -f "$tmp/cte.sql" |
			sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
	done | sort -n | sed -n 2p >"$tmp/cte.ms"
	nodes=$(psql -X -q -At "host=$tmp user=postgres dbname=bench" -f "$tmp/cte.sql" | sed -n 1p)
	row "  recursive CTE on PostgreSQL (median of 3, $nodes objects)" "$(cat "$tmp/cte.ms")" ms
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
