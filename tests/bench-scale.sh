#!/bin/sh
# tests/bench-scale.sh - `make bench-scale` (issue 13): btrack on logs of
# 100 M and 1 G generated events with the planted attack of btrack-gen(1),
# and the SQLite recursive CTE of btrack-db(5) on the same events.  Prints
# one aligned table, a column per size, with the machine's load average.
#
# Not part of `make check` or CI: it needs tens of GB of disk and minutes
# to hours.  It reports; it judges nothing (the targets are issue 13's).
# It exits 1 only when something could not be measured at all.
#
#   BENCH_SCALE_SIZES="100M 1G"  sizes to run (default: both when the disk
#                                has room for 1 G events, else 100M, said so;
#                                "none": the SQLite figures alone)
#   BENCH_SCALE_DB_EVENTS=N      events behind the SQLite figures (default
#                                100M; a separate gen log when it is not one
#                                of the sizes; 0 skips them)
#   BENCH_SCALE_DIR=DIR          where the logs go (default: under TMPDIR)
#   BENCH_SCALE_KEEP=1           keep the logs and the database
#   BENCH_SCALE_SEED=S           the generator's seed (default 1)
#   BENCH_SCALE_LOAD_RUNS=N      full loads per thread count (default 3;
#                                each is a full read of the log)
#   BENCH_SCALE_LOG=PATH         measure this log (made by `btrack gen
#                                --seed 1`) instead of generating one: for
#                                a single size in BENCH_SCALE_SIZES; it is
#                                kept, its index is written beside it; the
#                                generation rows say so
#
# A full load holds the whole graph in memory (16 bytes an event of lists
# and ~10 more of objects and labels): it is skipped, and the row says
# so, when MemAvailable is less than that (1 G events on a 23 GB machine);
# the index and the fresh-process backtracks are measured anyway.
#
# Cold means a fresh process after `echo 3 > /proc/sys/vm/drop_caches`
# (when permitted; else the row says so); warm, a fresh process right after
# another read the same log.  Peak RSS is /usr/bin/time's maximum resident
# set size, which counts the mapped log's pages as they are touched.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
B=${B:-build}
BIN=${BIN:-btrack}
case "$BIN" in /*) ;; *) BIN="$top/$BIN";; esac
LOAD="$top/$B/bench_load"
SEED=${BENCH_SCALE_SEED:-1}
DB_EVENTS=${BENCH_SCALE_DB_EVENTS:-100M}
# A generous bound on bytes per event on disk: the log (13 in format 2)
# and its index (~24.3).
PER_EVENT=40
# Bytes per event a full load holds (lists, objects, labels; 24.3 measured
# at 10 M events), with some slack.
LOAD_PER_EVENT=27

# events N: 100M -> 100000000 (k, M, G as in btrack gen).
events() {
	awk -v s="$1" 'BEGIN {
		m = 1; c = substr(s, length(s))
		if (c == "k") m = 1e3; else if (c == "M") m = 1e6;
		else if (c == "G") m = 1e9
		if (m > 1) s = substr(s, 1, length(s) - 1)
		printf "%.0f", s * m }'
}

dir=${BENCH_SCALE_DIR:-${TMPDIR:-/tmp}}
mkdir -p "$dir"
tmp=$(mktemp -d "$dir/btscale.XXXXXX")
cleanup() {
	if [ "${BENCH_SCALE_KEEP:-0}" = 1 ]; then
		echo "bench-scale: kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_kb=$(df -Pk "$tmp" | awk 'NR == 2 { print $4 }')
notes=""
note() {
	notes="$notes$1
"
}
if [ "${BENCH_SCALE_SIZES:-}" = none ]; then
	SIZES=""	# the SQLite figures alone
elif [ -n "${BENCH_SCALE_SIZES:-}" ]; then
	SIZES=$BENCH_SCALE_SIZES
else
	need=$(awk -v n="$(events 1G)" -v b=$PER_EVENT 'BEGIN { printf "%.0f", n * b / 1024 }')
	if [ "$free_kb" -ge "$need" ]; then
		SIZES="100M 1G"
	else
		SIZES="100M"
		note "1G not run: it needs ~$((need / 1048576)) GB of disk, $((free_kb / 1048576)) GB free under $dir"
	fi
fi

if ! make --no-print-directory -s B="$B" btrack "$B/bench_load" >&2; then
	echo "bench-scale: cannot build btrack and $B/bench_load" >&2
	exit 1
fi
if [ ! -x /usr/bin/time ]; then
	echo "bench-scale: needs /usr/bin/time (Debian package time)" >&2
	exit 1
fi

errors=""
fail() {
	echo "bench-scale: $1" >&2
	errors="$errors $1;"
}

# Rows: "LABEL|SIZE|VALUE" lines, one table at the end.
rows="$tmp/rows"
: >"$rows"
row() {
	printf '%s|%s|%s\n' "$1" "$2" "$3" >>"$rows"
}

now() {
	date +%s.%N
}
elapsed() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'
}
# tv FILE LABEL: a field of /usr/bin/time -v's report.
tv() {
	sed -n "s/^[[:space:]]*$2: //p" "$1" | head -n 1
}
mib() {
	awk -v k="$1" 'BEGIN { printf "%.0f MiB", k / 1024 }'
}
kv() {
	sed -n "s/^$2=//p" "$1" | head -n 1
}

# drop_caches: 0 when the page cache was dropped.
can_drop=yes
drop_caches() {
	sync
	if [ $can_drop = yes ] &&
	   (echo 3 >/proc/sys/vm/drop_caches) 2>/dev/null; then
		return 0
	fi
	can_drop=no
	return 1
}

# backtrack_run LOG SPEC OUT: a fresh `btrack backtrack` process under
# /usr/bin/time -v; sets bt_s (wall, s) and bt_rss (kB).
backtrack_run() {
	t0=$(now)
	if ! /usr/bin/time -v -o "$3.time" "$BIN" backtrack --log "$1" \
		--from "$2" --no-filters --format json >"$3" 2>"$3.err"; then
		fail "btrack backtrack --log $1: $(tail -n 1 "$3.err")"
		bt_s=error bt_rss=error
		return 1
	fi
	t1=$(now)
	bt_s=$(elapsed "$t0" "$t1")
	bt_rss=$(tv "$3.time" "Maximum resident set size (kbytes)")
}

# sqlite_cte DB SPEC OUT: the recursive CTE of btrack-db(5), from the
# detection file, three runs (the first after dropping the page cache when
# permitted).
sqlite_cte() {
	python3 - "$1" "${2#file:}" >"$3" <<'PY'
import sqlite3, sys, time
q = """
WITH RECURSIVE walk(obj, threshold) AS (
  SELECT o.id, (SELECT max(e.time) FROM events e WHERE e.effect = o.id)
  FROM objects o WHERE o.kind = 'file' AND o.path = ?
  UNION
  SELECT e.cause, e.time
  FROM walk w JOIN events e
    ON e.effect = w.obj AND e.time <= w.threshold
)
SELECT obj, max(threshold) FROM walk GROUP BY obj
"""
c = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
ts = []
for i in range(3):
    t = time.perf_counter()
    rows = c.execute(q, (sys.argv[2],)).fetchall()
    ts.append(time.perf_counter() - t)
print("cte_first_ms=%.3f" % (ts[0] * 1000))
print("cte_best_ms=%.3f" % (min(ts) * 1000))
print("cte_nodes=%d" % len(rows))
PY
}

# measure SIZE: every row of one size.
measure() {
	size=$1
	n=$(events "$size")
	log="$tmp/scale-$size.btl"
	need=$(awk -v n="$n" -v b=$PER_EVENT 'BEGIN { printf "%.0f", n * b / 1024 }')
	avail=$(df -Pk "$tmp" | awk 'NR == 2 { print $4 }')
	if [ "$avail" -lt "$need" ]; then
		fail "$size: needs ~$((need / 1048576)) GB, $((avail / 1048576)) GB free"
		return 0
	fi

	reused=no
	if [ -n "${BENCH_SCALE_LOG:-}" ]; then
		# A log made before (btrack gen --seed 1): the planted
		# points are gen's (capture/gen.c).
		reused=yes
		log=$BENCH_SCALE_LOG
		info=$("$BIN" log info "$log" 2>/dev/null) || {
			fail "$size: btrack log info $log failed"
			return 0
		}
		nev=$(printf '%s\n' "$info" | sed -n 's/^events:[[:space:]]*//p')
		nobj=$(printf '%s\n' "$info" | sed -n 's/^objects:[[:space:]]*//p')
		det=file:/var/tmp/.x/loot
		entry=endpoint:203.0.113.66:4444
		row "events, objects" "$size" "$nev, $nobj"
		row "gen: rate (wall clock)" "$size" "not measured (BENCH_SCALE_LOG)"
	else
	# Generation (one thread), through the CLI.
	t0=$(now)
	if ! /usr/bin/time -v -o "$tmp/gen.time" "$BIN" gen --events "$size" \
		--seed "$SEED" --force -o "$log" 2>"$tmp/gen.err"; then
		fail "$size: btrack gen: $(grep -v '^[[:space:]]' "$tmp/gen.err" | tail -n 1)"
		rm -f "$log"
		return 0
	fi
	t1=$(now)
	nev=$(sed -n 's/.*generated \([0-9]*\) events.*/\1/p' "$tmp/gen.err")
	nobj=$(sed -n 's/.*events, \([0-9]*\) objects.*/\1/p' "$tmp/gen.err")
	det=$(sed -n 's/^detection point: //p' "$tmp/gen.err")
	entry=$(sed -n 's/^entry point: //p' "$tmp/gen.err")
	gen_s=$(elapsed "$t0" "$t1")
	gen_cpu=$(awk -v u="$(tv "$tmp/gen.time" "User time (seconds)")" \
		-v s="$(tv "$tmp/gen.time" "System time (seconds)")" \
		'BEGIN { print u + s }')
	row "events, objects" "$size" "$nev, $nobj"
	row "gen: rate (wall clock)" "$size" \
		"$(awk -v n="$nev" -v t="$gen_s" 'BEGIN { printf "%.1f M events/s", n / t / 1e6 }')"
	row "gen: rate (CPU time)" "$size" \
		"$(awk -v n="$nev" -v t="$gen_cpu" 'BEGIN { printf "%.1f M events/s", n / (t > 0 ? t : 0.001) / 1e6 }')"
	fi
	bytes=$(wc -c <"$log")
	row "log on disk" "$size" \
		"$(awk -v b="$bytes" -v n="$nev" 'BEGIN { printf "%.1f GB, %.1f B/event", b / 1e9, b / n }')"
	row "log format" "$size" \
		"$("$BIN" log info "$log" 2>/dev/null | sed -n 's/^[[:space:]]*\(format\|version\)[^:]*:[[:space:]]*//p' | head -n 1)"

	# The index beside the log, once `btrack log index` exists.
	if "$BIN" log -h 2>&1 | grep -q 'log index'; then
		t0=$(now)
		if /usr/bin/time -v -o "$tmp/index.time" "$BIN" log index \
			"$log" >/dev/null 2>"$tmp/index.err"; then
			t1=$(now)
			ib=$(wc -c <"$log.btx")
			row "index: build time" "$size" "$(elapsed "$t0" "$t1") s (load average $(load_avg))"
			row "index: build peak RSS (mapped log included)" "$size" \
				"$(mib "$(tv "$tmp/index.time" "Maximum resident set size (kbytes)")")"
			row "index: size" "$size" \
				"$(awk -v b="$ib" -v n="$nev" 'BEGIN { printf "%.0f MiB, %.2f B/event", b / 1048576, b / n }')"
		else
			fail "$size: btrack log index: $(tail -n 1 "$tmp/index.err")"
			row "index: build time" "$size" error
		fi
	else
		row "index: build time" "$size" "n/a (no index yet)"
		row "index: size" "$size" "n/a (no index yet)"
	fi

	# Full load from the log (never the index), in one process
	# (bench_load: best of BENCH_SCALE_LOAD_RUNS, default 3), on one
	# thread, then on two; only when the graph fits in memory.
	runs=${BENCH_SCALE_LOAD_RUNS:-3}
	avail_kb=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo 2>/dev/null || echo 0)
	need_kb=$(awk -v n="$nev" -v b=$LOAD_PER_EVENT 'BEGIN { printf "%.0f", n * b / 1024 }')
	if [ "${avail_kb:-0}" -lt "$need_kb" ]; then
		row "full load: rate" "$size" \
			"skipped: needs ~$((need_kb / 1048576)) GB, $((avail_kb / 1048576)) GB available"
	elif "$LOAD" load "$log" "$det" 1 "$runs" >"$tmp/load1.out" \
		2>"$tmp/load1.err"; then
		row "full load: rate (best of $runs, 1 thread)" "$size" \
			"$(awk -v r="$(kv "$tmp/load1.out" load_rate)" 'BEGIN { printf "%.1f M events/s", r / 1e6 }') (load average $(load_avg))"
	else
		fail "$size: bench_load load (1 thread): $(tail -n 1 "$tmp/load1.err")"
	fi
	if [ "${avail_kb:-0}" -lt "$need_kb" ]; then
		:
	elif /usr/bin/time -v -o "$tmp/load.time" "$LOAD" load "$log" "$det" \
		2 "$runs" >"$tmp/load.out" 2>"$tmp/load.err"; then
		row "full load: rate (best of $runs, 2 threads)" "$size" \
			"$(awk -v r="$(kv "$tmp/load.out" load_rate)" 'BEGIN { printf "%.1f M events/s", r / 1e6 }') (load average $(load_avg))"
		row "  resident beyond the map (RssAnon)" "$size" \
			"$(awk -v r="$(kv "$tmp/load.out" rss_per_event)" 'BEGIN { printf "%.1f B/event", r }')"
		row "  backtrack on the loaded graph (median of 5)" "$size" \
			"$(awk -v r="$(kv "$tmp/load.out" backtrack_ms)" 'BEGIN { printf "%.2f ms", r }')"
		row "    of which resolving the spec" "$size" \
			"$(awk -v r="$(kv "$tmp/load.out" resolve_ms)" 'BEGIN { printf "%.2f ms", r }')"
		row "    result" "$size" "$(kv "$tmp/load.out" backtrack_nodes) nodes"
		row "  peak RSS ($runs loads, mapped log included)" "$size" \
			"$(mib "$(tv "$tmp/load.time" "Maximum resident set size (kbytes)")")"
	else
		fail "$size: bench_load load: $(tail -n 1 "$tmp/load.err")"
		row "full load: rate" "$size" error
	fi

	# Backtrack of the planted point from a fresh process: load + walk.
	if drop_caches; then
		cold="cold (page cache dropped)"
	else
		cold="cold"
	fi
	if [ $can_drop = yes ]; then
		if backtrack_run "$log" "$det" "$tmp/cold.json"; then
			row "backtrack, fresh process: $cold" "$size" "$bt_s s (load average $(load_avg))"
			row "  peak RSS (cold)" "$size" "$(mib "$bt_rss")"
		fi
	else
		row "backtrack, fresh process: $cold" "$size" "not permitted (drop_caches)"
	fi
	best="" best_rss=""
	for _ in 1 2; do
		backtrack_run "$log" "$det" "$tmp/warm.json" || break
		if [ -z "$best" ] || awk -v a="$bt_s" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$bt_s best_rss=$bt_rss
		fi
	done
	if [ -n "$best" ]; then
		row "backtrack, fresh process: warm (best of 2)" "$size" "$best s (load average $(load_avg))"
		row "  peak RSS (warm)" "$size" "$(mib "$best_rss")"
		reached=no
		grep -q "\"${entry#*:}\"" "$tmp/warm.json" && reached=yes
		row "  reaches the planted entry point" "$size" "$reached"
	fi

	# SQLite: btrack db add, then the recursive CTE.
	if [ "$(events "$DB_EVENTS")" = "$n" ]; then
		sqlite_rows "$log" "$det" "$size" "$nev"
	fi
	[ "${BENCH_SCALE_KEEP:-0}" = 1 ] || [ $reused = yes ] ||
		rm -f "$log" "$log.btx"
}

# sqlite_rows LOG SPEC SIZE EVENTS
sqlite_rows() {
	db="$tmp/case-$3.db"
	if ! command -v python3 >/dev/null 2>&1 ||
	   ! python3 -c 'import sqlite3' 2>/dev/null; then
		row "SQLite recursive CTE" "$3" "skipped (no python3 sqlite3)"
		return 0
	fi
	rm -f "$db"
	t0=$(now)
	if ! /usr/bin/time -v -o "$tmp/dbadd.time" "$BIN" db add --db "$db" \
		"$1" >/dev/null 2>"$tmp/dbadd.err"; then
		fail "$3: btrack db add: $(grep -v '^[[:space:]]' "$tmp/dbadd.err" | tail -n 1)"
		row "db add: rate" "$3" error
		return 0
	fi
	t1=$(now)
	row "db add: time (wall clock)" "$3" "$(elapsed "$t0" "$t1") s"
	row "db add: rate (wall clock)" "$3" \
		"$(awk -v n="$4" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f k events/s", n / (b - a) / 1000 }')"
	row "db on disk" "$3" \
		"$(awk -v s="$(wc -c <"$db")" -v n="$4" 'BEGIN { printf "%.1f GB, %.1f B/event", s / 1e9, s / n }')"
	drop_caches || true
	if ! sqlite_cte "$db" "$2" "$tmp/cte.out" 2>"$tmp/cte.err"; then
		fail "$3: the recursive CTE: $(tail -n 1 "$tmp/cte.err")"
		row "SQLite recursive CTE" "$3" error
		return 0
	fi
	first="first run"
	[ $can_drop = yes ] && first="page cache dropped"
	row "SQLite recursive CTE ($first)" "$3" \
		"$(awk -v r="$(kv "$tmp/cte.out" cte_first_ms)" 'BEGIN { printf "%.1f ms", r }')"
	row "SQLite recursive CTE (warm, best of 3)" "$3" \
		"$(awk -v r="$(kv "$tmp/cte.out" cte_best_ms)" 'BEGIN { printf "%.1f ms", r }')"
	row "  CTE result (objects and pages)" "$3" "$(kv "$tmp/cte.out" cte_nodes) nodes"
	[ "${BENCH_SCALE_KEEP:-0}" = 1 ] || rm -f "$db" "$db-wal" "$db-shm"
}

load_avg() {
	cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?'
}
echo "btrack bench-scale: sizes ${SIZES:-none} (seed $SEED; backtrack --no-filters of the planted file:/var/tmp/.x/loot), $(uname -m), $(nproc) cpus, $(free -g 2>/dev/null | awk '/^Mem:/ { print $2 " GB RAM, " }')$((free_kb / 1048576)) GB free disk, load average $(load_avg), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
start=$(now)
cols=""
for s in $SIZES; do
	echo "bench-scale: $s events ($(date -u +%H:%M:%S), load average $(load_avg))" >&2
	measure "$s"
	cols="$cols $s"
done
# The SQLite figures at a size of their own (e.g. 10M when 100M takes
# too long to add): a separate gen log with the same seed.
db_n=$(events "$DB_EVENTS")
if [ "$db_n" != 0 ]; then
	in_sizes=no
	for s in $SIZES; do
		[ "$(events "$s")" = "$db_n" ] && in_sizes=yes
	done
	if [ $in_sizes = no ]; then
		echo "bench-scale: SQLite at $DB_EVENTS events" >&2
		dlog="$tmp/db-$DB_EVENTS.btl"
		if "$BIN" gen --events "$DB_EVENTS" --seed "$SEED" --force \
			-o "$dlog" 2>"$tmp/dbgen.err"; then
			sqlite_rows "$dlog" \
				"$(sed -n 's/^detection point: //p' "$tmp/dbgen.err")" \
				"$DB_EVENTS" \
				"$(sed -n 's/.*generated \([0-9]*\) events.*/\1/p' "$tmp/dbgen.err")"
			cols="$cols $DB_EVENTS"
			note "SQLite measured at $DB_EVENTS events (BENCH_SCALE_DB_EVENTS), on a log of its own (same seed and size: the same events)"
		else
			fail "btrack gen $DB_EVENTS for the database failed"
		fi
		rm -f "$dlog"
	fi
else
	note "SQLite not measured (BENCH_SCALE_DB_EVENTS=0)"
fi
[ $can_drop = yes ] || note "cold figures not measured: writing /proc/sys/vm/drop_caches not permitted"
end=$(now)

echo
awk -F'|' -v cols="$cols" '
	BEGIN { nc = split(cols, c, " ") }
	{ if (!($1 in seen)) { seen[$1] = 1; lab[++nl] = $1 }
	  v[$1, $2] = $3
	  if (length($1) > w0) w0 = length($1) }
	END {
		for (j = 1; j <= nc; j++) {
			w[j] = length(c[j] " events")
			for (i = 1; i <= nl; i++)
				if (length(v[lab[i], c[j]]) > w[j])
					w[j] = length(v[lab[i], c[j]])
		}
		printf "%-*s", w0, "measure"
		for (j = 1; j <= nc; j++) printf "  %-*s", w[j], c[j] " events"
		printf "\n"
		for (i = 1; i <= nl; i++) {
			printf "%-*s", w0, lab[i]
			for (j = 1; j <= nc; j++) {
				x = v[lab[i], c[j]]
				printf "  %-*s", w[j], (x == "" ? "-" : x)
			}
			printf "\n"
		}
	}' "$rows"
echo
[ -n "$notes" ] && printf '%s' "$notes"
printf 'bench-scale: %s s, load average now %s\n' \
	"$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", b - a }')" "$(load_avg)"
if [ -n "$errors" ]; then
	echo "bench-scale: could not measure:$errors" >&2
	exit 1
fi
exit 0
