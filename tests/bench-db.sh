#!/bin/sh
# tests/bench-db.sh - the case database on sqlite and on PostgreSQL, from
# `make bench` (tests/bench.sh), on a case of two generated hosts of
# BENCH_DB_EVENTS events each (default 500000; BENCH_DB_EVENTS=10M for the
# figures in README): "web" (gen --send-to) sends its planted detection
# file to "db" (gen --recv-from), whose planted chain starts from that
# connection.
#
#  - `db add` rate of each host, into sqlite and into PostgreSQL (COPY;
#    target >= 1 M events/s): the first log (empty tables, indexes built
#    after) and the second (into the tables the first filled), with the
#    server's CPU seconds beside the wall time; on a server with the
#    default settings and on one with wal_level=minimal (where a load into
#    a table made or emptied in the same transaction writes no WAL);
#  - backtrack latency from db's file: on db's log alone (a single-log
#    walk, which stops at the connection), and on the two-host case on
#    sqlite and on PostgreSQL (the walk crosses into web), end to end with
#    the queries it sent, JSON compared between the stores (and as the
#    HTML report, which reads every event of the objects reached); then as a
#    plain recursive CTE on the same PostgreSQL database (psql, median of
#    3, no filters, no crossing).
#
# With the load average: other work on the machine slows every figure.
# It starts its own PostgreSQL server (initdb/pg_ctl in a temporary
# directory, unix socket only) and stops it at exit; without a server it
# says so and measures sqlite only.  A benchmark reports: a MISS exits 0.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$top/btrack}
n=${BENCH_DB_EVENTS:-500000}

tmp=$(mktemp -d /tmp/btbenchdb.XXXXXX)
chmod 755 "$tmp"
bin=
for d in /usr/lib/postgresql/*/bin; do
	[ -x "$d/initdb" ] && bin=$d
done
as_pg() {
	if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}
pg_stop() {
	[ -f "$tmp/data/postmaster.pid" ] &&
		as_pg "$bin/pg_ctl -D $tmp/data -m fast -w stop" >/dev/null 2>&1
	return 0
}
stop() {
	pg_stop
	rm -rf "$tmp"
}
trap stop EXIT
trap 'exit 1' INT TERM HUP

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s / 1000 }'; }
row() { printf '%-60s %10s %-11s %s\n' "$1" "$2" "${3:-}" "${4:-}"; }
events() { "$BIN" log info "$1" | sed -n 's/^events: *//p'; }

# The server's CPU seconds so far: the postmaster, its live children and
# the children it reaped (each connection's backend exits into these).
pg_cpu() {
	pm=$(head -n 1 "$tmp/data/postmaster.pid")
	{
		awk '{ print $14 + $15 + $16 + $17 }' "/proc/$pm/stat"
		for c in $(cat /proc/"$pm"/task/*/children 2>/dev/null); do
			awk '{ print $14 + $15 }' "/proc/$c/stat" 2>/dev/null || :
		done
	} | awk -v t="$(getconf CLK_TCK)" '{ s += $1 } END { printf "%.2f", s / t }'
}

echo "btrack db benchmark: 2 hosts of $n events, $(nproc) cpus, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$BIN" gen -n "$n" -s 1 --send-to 10.0.0.2:5432,10.0.0.1:40000 \
	-o "$tmp/web.btl" >/dev/null 2>&1
"$BIN" gen -n "$n" -s 2 --recv-from 10.0.0.1:40000,10.0.0.2:5432 \
	-o "$tmp/db.btl" >"$tmp/gen.out" 2>&1
det=$(sed -n 's/^detection point: //p' "$tmp/gen.out")
nweb=$(events "$tmp/web.btl")
ndb=$(events "$tmp/db.btl")

# add DB HOST LOG LABEL [server]: one `db add`, its rate, the server's CPU.
add() {
	c0=
	[ -n "${5:-}" ] && c0=$(pg_cpu)
	t0=$(now)
	"$BIN" db add --db "$1" --host "$2" "$3" >/dev/null
	s=$(since "$t0")
	ne=$(events "$3")
	r=$(rate "$ne" "$s")
	if [ -n "$c0" ]; then
		sleep 0.2   # the backend exits after the client
		cpu=$(awk -v a="$c0" -v b="$(pg_cpu)" 'BEGIN { printf "%.2f", b - a }')
		row "$4" "$r" "k events/s" "$s s, server $cpu s CPU; target >= 1000: $(awk -v r="$r" 'BEGIN { print (r >= 1000 ? "PASS" : "MISS") }')"
	else
		row "$4" "$r" "k events/s" "$s s"
	fi
}

add "$tmp/case.db" web "$tmp/web.btl" "db add into sqlite, first log ($nweb events)"
add "$tmp/case.db" db "$tmp/db.btl" "db add into sqlite, second log ($ndb events)"

# pg_start OPTIONS: a server of its own on a unix socket.
pg=
pg_start() {
	as_pg "$bin/pg_ctl -D $tmp/data -l $tmp/server.log -w -o \"-k $tmp -c listen_addresses='' $1\" start" >/dev/null 2>&1
}
if [ -n "$bin" ] && { [ "$(id -u)" != 0 ] || id postgres >/dev/null 2>&1; }; then
	[ "$(id -u)" = 0 ] && chown postgres "$tmp"
	if as_pg "$bin/initdb -D $tmp/data -A trust -U postgres" >"$tmp/initdb.log" 2>&1 &&
	   pg_start "-c wal_level=minimal -c max_wal_senders=0"; then
		pg=yes
	fi
fi
[ -n "$pg" ] || echo "bench-db: no PostgreSQL server here: sqlite only"
psql_() { psql -X -q -At "host=$tmp user=postgres dbname=$1" -c "$2"; }
uri() { echo "postgresql:///$1?host=$tmp&user=postgres"; }
if [ -n "$pg" ]; then
	psql_ postgres "CREATE DATABASE minimal"
	add "$(uri minimal)" web "$tmp/web.btl" "db add into PostgreSQL (wal_level=minimal), first log" server
	add "$(uri minimal)" db "$tmp/db.btl" "  second log" server
	# The server as installed (wal_level=replica: the load is in the WAL).
	pg_stop
	pg_start ""
	psql_ postgres "CREATE DATABASE bench"
	add "$(uri bench)" web "$tmp/web.btl" "db add into PostgreSQL (default settings), first log" server
	add "$(uri bench)" db "$tmp/db.btl" "  second log" server
	pg=$(uri bench)
fi

# walk SRC LABEL: one end-to-end backtrack, its time and what it asked
# (FORMAT: json, or html, whose counts of each node's events make the
# frontiers read every event of the objects reached).
walk() {
	src=$1
	shift
	t0=$(now)
	BTRACK_DB_STATS=1 "$BIN" backtrack $src --from "$det" --format "${FORMAT:-json}" \
		>"$tmp/w.json" 2>"$tmp/w.err"
	s=$(since "$t0")
	st=$(sed -n 's/^btrack: [A-Za-z]*: \(.* queries, .*\)$/\1/p' "$tmp/w.err")
	row "$*" "$s" s "$st"
}
same() {
	r=no
	cmp -s "$1" "$tmp/w.json" && r=yes
	row "  $2" "$r"
}
walk "--log $tmp/db.btl" "backtrack $det: on db's log alone"
walk "--db $tmp/case.db --host db" "  sqlite, host db alone"
cp "$tmp/w.json" "$tmp/host.sq.json"
walk "--db $tmp/case.db" "  sqlite, two hosts (crosses into web)"
cp "$tmp/w.json" "$tmp/two.sq.json"
grep -q '"203.0.113.66:4444"' "$tmp/w.json" || row "  MISS: the walk did not reach web's entry point" ""
if [ -n "$pg" ]; then
	walk "--db $pg --host db" "  PostgreSQL, host db alone"
	same "$tmp/host.sq.json" "same JSON as sqlite"
	walk "--db $pg" "  PostgreSQL, two hosts (crosses into web)"
	same "$tmp/two.sq.json" "same JSON as sqlite"
	FORMAT=html
	walk "--db $pg" "  PostgreSQL, two hosts, --format html"
	FORMAT=json
	path=${det#file:}
	cat >"$tmp/cte.sql" <<EOS
\\timing on
WITH RECURSIVE walk(obj, threshold) AS (
  SELECT o.id, (SELECT max(e.time) FROM events e WHERE e.effect = o.id)
  FROM objects o WHERE o.kind = 'file' AND o.host = 'db'
    AND o.path = convert_to('$path', 'UTF8')
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
	row "  recursive CTE on PostgreSQL (median of 3, $nodes objects)" "$(cat "$tmp/cte.ms")" ms "no filters, no crossing"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
