#!/bin/sh
# tests/bench.sh - `make bench`: measure btrack on a synthetic log and print
# one aligned table, each figure beside its target with PASS or MISS.
#
# A benchmark reports; it does not judge the build: a MISS still exits 0.
# It exits 1 only when something could not be measured at all (a program
# failed), and says which.
#
#   BENCH_EVENTS=N          events of the generated log (default 10000000)
#   BENCH_IMPORT_EVENTS=N   events behind the JSONL import (default 1000000)
#   BENCH_SECTIONS="..."    which sections, in order (default: all below)
#   BENCH_WATCH_*           the watch section's sizes (tests/bench-watch.sh)
#
# Adding a section: write a function section_NAME that measures and calls
# `row LABEL VALUE UNIT CMP TARGET` for each figure (CMP: ge, le, lt, eq, or
# - for a figure without a target), and add NAME to SECTIONS.  Files go in
# "$tmp" (removed at exit); "$log" is the generated log once section_gen
# ran, "$detection" and "$entry" its planted detection and entry points.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
B=${B:-build}
BIN=${BIN:-btrack}
case "$BIN" in /*) ;; *) BIN="$top/$BIN";; esac
EVENTS=${BENCH_EVENTS:-10000000}
IMPORT_EVENTS=${BENCH_IMPORT_EVENTS:-1000000}
SECTIONS=${BENCH_SECTIONS:-gen import load extend record db auditd ebpf watch kmod}
LOAD="$top/$B/bench_load"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/btbench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
rows="$tmp/rows"
: >"$rows"
errors=""
log="$tmp/bench.btl"
detection=""
entry=""

# row LABEL VALUE UNIT CMP TARGET: one line of the table.
row() {
	st=$(awk -v v="$2" -v c="$4" -v t="$5" 'BEGIN {
		if (c == "-" || v == "error") { print (v == "error" ? "MISS" : ""); exit }
		ok = (c == "ge" && v + 0 >= t + 0) || (c == "le" && v + 0 <= t + 0) ||
		     (c == "lt" && v + 0 < t + 0) || (c == "eq" && v == t)
		print ok ? "PASS" : "MISS" }')
	case "$4" in
	ge) tgt=">= $5";; le) tgt="<= $5";; lt) tgt="< $5";; eq) tgt="$5";;
	*) tgt="-";;
	esac
	printf '%s|%s %s|%s|%s\n' "$1" "$2" "$3" "$tgt" "$st" >>"$rows"
}

# kv FILE KEY: the value of a key=value line of bench_load's output.
kv() {
	sed -n "s/^$2=//p" "$1" | head -n 1
}

# fmt SCALE DIGITS VALUE: VALUE / SCALE with DIGITS decimals.
fmt() {
	awk -v s="$1" -v d="$2" -v v="$3" 'BEGIN { printf "%.*f", d, v / s }'
}

now() {
	date +%s.%N
}

fail() {
	echo "bench: $1" >&2
	errors="$errors $1;"
}

section_gen() {
	if ! "$LOAD" gen "$EVENTS" "$log" 3 >"$tmp/gen.out"; then
		fail "generating $EVENTS events failed"
		row "gen: events/s" error "" ge 10
		return 0
	fi
	detection=$(kv "$tmp/gen.out" detection)
	entry=$(kv "$tmp/gen.out" entry)
	# The target is on CPU time: on a shared machine the wall clock
	# also counts other jobs and the kernel's writeback of the log.
	row "gen: rate (CPU time, best of 3)" \
		"$(fmt 1e6 1 "$(kv "$tmp/gen.out" gen_cpu_rate)")" \
		"M events/s" ge 10
	row "gen: rate (wall clock, best of 3)" \
		"$(fmt 1e6 1 "$(kv "$tmp/gen.out" gen_rate)")" "M events/s" - -
	row "log on disk" "$(fmt 1 1 "$(kv "$tmp/gen.out" disk_per_event)")" \
		"bytes/event" le 16
	row "log: events, objects" "$(kv "$tmp/gen.out" gen_events)," \
		"$(kv "$tmp/gen.out" gen_objects)" - -
}

section_import() {
	small="$tmp/import.btl"
	if ! "$LOAD" gen "$IMPORT_EVENTS" "$small" >/dev/null ||
	   ! "$LOAD" jsonl "$small" "$tmp/events.jsonl" >"$tmp/jsonl.out"; then
		fail "writing the JSONL for import failed"
		row "import (JSONL): lines/s" error "" - -
		return 0
	fi
	lines=$(kv "$tmp/jsonl.out" jsonl_lines)
	t0=$(now)
	if ! "$BIN" import --force -o "$tmp/imported.btl" "$tmp/events.jsonl" \
		2>"$tmp/import.err"; then
		fail "btrack import: $(tail -n 1 "$tmp/import.err")"
		row "import (JSONL): rate" error "" - -
		return 0
	fi
	t1=$(now)
	rate=$(awk -v n="$lines" -v a="$t0" -v b="$t1" \
		'BEGIN { printf "%.0f", n / (b - a) }')
	row "import (JSONL, $(fmt 1e6 1 "$lines") M lines): rate" \
		"$(fmt 1e3 0 "$rate")" "k lines/s" - -
	rm -f "$small" "$tmp/events.jsonl" "$tmp/imported.btl"
}

section_load() {
	if [ ! -f "$log" ]; then
		section_gen
	fi
	if ! "$LOAD" load "$log" "$detection" >"$tmp/load.out"; then
		fail "loading or backtracking the log failed"
		row "load: rate" error "" ge 20
		return 0
	fi
	row "load: rate (best of 3, 1 thread)" \
		"$(fmt 1e6 1 "$(kv "$tmp/load.out" load_rate)")" \
		"M events/s" ge 20
	row "resident beyond map (graph)" \
		"$(fmt 1 1 "$(kv "$tmp/load.out" mem_per_event)")" \
		"bytes/event" le 16
	row "resident beyond map (RssAnon)" \
		"$(fmt 1 1 "$(kv "$tmp/load.out" rss_per_event)")" \
		"bytes/event" le 16
	row "backtrack $detection (median of 5)" \
		"$(fmt 1 2 "$(kv "$tmp/load.out" backtrack_ms)")" ms lt 50
	row "  of which resolving the spec" \
		"$(fmt 1 2 "$(kv "$tmp/load.out" resolve_ms)")" ms - -
	row "  result" "$(kv "$tmp/load.out" backtrack_nodes)" nodes - -
	reached=no nf=""
	if "$BIN" backtrack -h | grep -q -- --no-filters; then
		nf=--no-filters
	fi
	# shellcheck disable=SC2086
	if "$BIN" backtrack --log "$log" --from "$detection" $nf \
		--format json 2>/dev/null | grep -q "\"$entry\""; then
		reached=yes
	fi
	row "  reaches the planted entry point" "$reached" "" eq yes
	row "peak RSS (load, incl. mapped log)" \
		"$(fmt 1048576 0 "$(kv "$tmp/load.out" peak_rss)")" MiB - -
}

# section_record: the ptrace + seccomp recorder's overhead on a file-heavy
# workload (extract a tarball of BENCH_RECORD_SRC, default /usr/include, and
# archive it again; on /dev/shm when writable, to measure the tracing and
# not the disk), plain, under `btrack record` and under strace with the
# same seccomp-bpf filtering and system calls.  Best of BENCH_RECORD_RUNS
# (default 3) each: the machine is shared.
# The graph of a live log extended as a writer commits (bt_graph_extend):
# the first half of the generated log loaded, the rest taken in steps of
# 20 k events; its rate (CPU time of the extend calls: the wall clock of
# a loaded machine measures the other processes) against a full load of
# the same log (CPU time of its threads), and bytes per event after it.
section_extend() {
	if [ ! -f "$log" ]; then
		section_gen
	fi
	if ! "$LOAD" extend "$log" "$tmp/live.btl" "$detection" 20000 \
		>"$tmp/ext.out"; then
		fail "extending the graph of a growing log failed"
		row "extension: rate" error "" - -
		return 0
	fi
	row "extension (half loaded, then 20 k-event steps): rate, CPU" \
		"$(fmt 1e6 2 "$(kv "$tmp/ext.out" ext_cpu_rate)")" \
		"M events/s" - -
	row "  full load of the same log, CPU (all threads)" \
		"$(fmt 1e6 2 "$(kv "$tmp/ext.out" ext_load_cpu_rate)")" \
		"M events/s" - -
	row "  extension, wall (slowest step $(fmt 1 0 "$(kv "$tmp/ext.out" ext_worst_ms)") ms)" \
		"$(fmt 1e6 2 "$(kv "$tmp/ext.out" ext_rate)")" \
		"M events/s" - -
	row "  graph after extension (graph)" \
		"$(fmt 1 1 "$(kv "$tmp/ext.out" ext_mem_per_event)")" \
		"bytes/event" - -
	row "  graph after a full load (graph)" \
		"$(fmt 1 1 "$(kv "$tmp/ext.out" ext_load_mem_per_event)")" \
		"bytes/event" - -
	row "  backtrack nodes, extended = loaded" \
		"$(kv "$tmp/ext.out" ext_nodes) = $(kv "$tmp/ext.out" ext_load_nodes)" \
		"" eq "$(kv "$tmp/ext.out" ext_load_nodes) = $(kv "$tmp/ext.out" ext_load_nodes)"
	rm -f "$tmp/live.btl"
}

section_record() {
	src=${BENCH_RECORD_SRC:-/usr/include}
	runs=${BENCH_RECORD_RUNS:-3}
	work="$tmp/record"
	[ -d /dev/shm ] && [ -w /dev/shm ] && work=$(mktemp -d /dev/shm/btbench.XXXXXX)
	mkdir -p "$work"
	if ! tar cf "$work/src.tar" -C "$(dirname "$src")" "$(basename "$src")" 2>/dev/null; then
		fail "cannot archive $src for the record benchmark"
		row "record: overhead" error "" - -
		rm -rf "$work"
		return 0
	fi
	wl="cd '$work' && rm -rf x && mkdir x && tar xf src.tar -C x && tar cf out.tar -C x . && rm -rf x out.tar"
	sc=open,openat,openat2,creat,read,pread64,readv,preadv,preadv2,sendfile,splice,copy_file_range
	sc=$sc,write,pwrite64,writev,pwritev,pwritev2,truncate,ftruncate,rename,renameat,renameat2
	sc=$sc,link,linkat,symlink,symlinkat,unlink,unlinkat,mmap,munmap,mremap,mprotect,connect
	sc=$sc,accept,accept4,recvfrom,recvmsg,sendto,sendmsg,dup,dup2,dup3,fcntl,close,close_range
	sc=$sc,pipe,pipe2,chdir,fchdir,execve,execveat
	have_strace=yes
	command -v strace >/dev/null 2>&1 || have_strace=no
	best_plain="" best_rec="" best_st=""
	i=0
	while [ $i -lt "$runs" ]; do
		t0=$(now)
		sh -c "$wl" || { fail "record workload failed"; break; }
		t1=$(now)
		if ! "$BIN" record --force -o "$work/rec.btl" -- sh -c "$wl" \
			2>"$tmp/record.err"; then
			fail "btrack record: $(tail -n 1 "$tmp/record.err")"
			break
		fi
		t2=$(now)
		if [ $have_strace = yes ]; then
			strace -f --seccomp-bpf -e trace=$sc -o /dev/null \
				sh -c "$wl" || have_strace=no
		fi
		t3=$(now)
		best_plain=$(awk -v b="$best_plain" -v x="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" 'BEGIN { print (b == "" || x < b) ? x : b }')
		best_rec=$(awk -v b="$best_rec" -v x="$(awk -v a="$t1" -v b="$t2" 'BEGIN { print b - a }')" 'BEGIN { print (b == "" || x < b) ? x : b }')
		best_st=$(awk -v b="$best_st" -v x="$(awk -v a="$t2" -v b="$t3" 'BEGIN { print b - a }')" 'BEGIN { print (b == "" || x < b) ? x : b }')
		i=$((i + 1))
	done
	if [ $i -lt "$runs" ]; then
		row "record: overhead" error "" - -
		rm -rf "$work"
		return 0
	fi
	events=$(sed -n 's/.*recorded \([0-9]*\) events.*/\1/p' "$tmp/record.err")
	row "record workload: tar x + c of $(basename "$src"), plain" "$(fmt 1 2 "$best_plain")" s - -
	row "  under btrack record ($events events)" "$(fmt 1 2 "$best_rec")" s - -
	row "  record overhead" "$(awk -v a="$best_rec" -v b="$best_plain" 'BEGIN { printf "%.1f", a / b }')" x - -
	if [ $have_strace = yes ]; then
		row "  under strace -f --seccomp-bpf (same calls)" "$(fmt 1 2 "$best_st")" s - -
		row "  strace overhead" "$(awk -v a="$best_st" -v b="$best_plain" 'BEGIN { printf "%.1f", a / b }')" x - -
		row "  record time / strace time" "$(awk -v a="$best_rec" -v b="$best_st" 'BEGIN { printf "%.2f", a / b }')" "" lt 1
	fi
	rm -rf "$work"
}

# section_db: the case database (btrack db, man/btrack-db.5) on a
# BENCH_DB_EVENTS (default 1000000) event gen log: the `db add` rate, then
# the same backtrack from the planted detection point three ways: btrack on
# the log and btrack on the database (end to end, a process each, JSON
# compared), and the recursive CTE of btrack-db(5) in SQLite (python3's
# sqlite3, median of 5) beside btrack's backtrack on the loaded graph
# (bench_load, median of 5).  Both are timed with and without finding the
# detection point (btrack: bt_spec_resolve; SQL: the objects lookup); the
# target is on the walks.  The CTE runs at object level with pages as
# objects, so its node count is shown, not compared.
section_db() {
	n=${BENCH_DB_EVENTS:-1000000}
	dlog="$tmp/db.btl"
	db="$tmp/case.db"
	if ! "$LOAD" gen "$n" "$dlog" >"$tmp/dbgen.out"; then
		fail "generating $n events for the database failed"
		row "db add: rate" error "" - -
		return 0
	fi
	det=$(kv "$tmp/dbgen.out" detection)
	nev=$(kv "$tmp/dbgen.out" gen_events)
	cpu=""
	t0=$(now)
	if command -v /usr/bin/time >/dev/null 2>&1; then
		/usr/bin/time -f '%U %S' -o "$tmp/dbadd.time" \
			"$BIN" db add --db "$db" "$dlog" >/dev/null 2>"$tmp/dbadd.err" ||
			{ fail "btrack db add: $(tail -n 1 "$tmp/dbadd.err")"; row "db add: rate" error "" - -; return 0; }
		cpu=$(awk '{ print $1 + $2 }' "$tmp/dbadd.time")
	elif ! "$BIN" db add --db "$db" "$dlog" >/dev/null 2>"$tmp/dbadd.err"; then
		fail "btrack db add: $(tail -n 1 "$tmp/dbadd.err")"
		row "db add: rate" error "" - -
		return 0
	fi
	t1=$(now)
	row "db add ($(fmt 1e6 1 "$nev") M events): rate (wall clock)" \
		"$(awk -v n="$nev" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) / 1000 }')" \
		"k events/s" - -
	[ -n "$cpu" ] && row "db add: rate (CPU time)" \
		"$(awk -v n="$nev" -v c="$cpu" 'BEGIN { printf "%.0f", n / (c > 0 ? c : 0.001) / 1000 }')" \
		"k events/s" - -
	row "db on disk" "$(awk -v s="$(wc -c <"$db")" -v n="$nev" 'BEGIN { printf "%.1f", s / n }')" \
		"bytes/event" - -

	t0=$(now)
	"$BIN" backtrack --log "$dlog" --from "$det" --format json --no-filters \
		>"$tmp/dblog.json" 2>"$tmp/db.err" || fail "backtrack --log: $(tail -n 1 "$tmp/db.err")"
	t1=$(now)
	"$BIN" backtrack --db "$db" --from "$det" --format json --no-filters \
		>"$tmp/dbdb.json" 2>"$tmp/db.err" || fail "backtrack --db: $(tail -n 1 "$tmp/db.err")"
	t2=$(now)
	row "backtrack $det: btrack on the log (end to end)" \
		"$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" s - -
	row "  btrack on the database (end to end)" \
		"$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.3f", b - a }')" s - -
	same=no
	cmp -s "$tmp/dblog.json" "$tmp/dbdb.json" && same=yes
	row "  same result (JSON) from the log and the database" "$same" "" eq yes
	if ! "$LOAD" load "$dlog" "$det" >"$tmp/dbload.out"; then
		fail "bench_load on the database's log failed"
		return 0
	fi
	bt_ms=$(kv "$tmp/dbload.out" backtrack_ms)
	walk_ms=$(awk -v a="$bt_ms" -v b="$(kv "$tmp/dbload.out" resolve_ms)" \
		'BEGIN { w = a - b; printf "%.3f", (w > 0.001 ? w : 0.001) }')
	row "  btrack on the loaded graph (median of 5)" "$(fmt 1 3 "$bt_ms")" ms - -
	row "    of which the walk" "$walk_ms" ms - -
	row "  result" "$(kv "$tmp/dbload.out" backtrack_nodes)" nodes - -
	if ! command -v python3 >/dev/null 2>&1 ||
	   ! python3 -c 'import sqlite3' 2>/dev/null; then
		row "  SQLite recursive CTE" "skipped (no python3 sqlite3)" "" - -
		return 0
	fi
	if ! python3 - "$db" "${det#file:}" >"$tmp/cte.out" 2>"$tmp/cte.err" <<'PY'
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
# The walk alone: the same query from the object's id.
w = q.replace("o.id", "?1").replace(
    "FROM objects o WHERE o.kind = 'file' AND o.path = ?\n", "")
c = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
(start,) = c.execute("SELECT id FROM objects WHERE kind = 'file' AND"
                     " path = ?", (sys.argv[2],)).fetchone()
ta, tw = [], []
for i in range(5):
    t = time.perf_counter()
    rows = c.execute(q, (sys.argv[2],)).fetchall()
    ta.append(time.perf_counter() - t)
    t = time.perf_counter()
    rows2 = c.execute(w, (start,)).fetchall()
    tw.append(time.perf_counter() - t)
assert sorted(rows) == sorted(rows2), "the two queries differ"
print("cte_ms=%.3f" % (sorted(ta)[2] * 1000))
print("cte_walk_ms=%.3f" % (sorted(tw)[2] * 1000))
print("cte_nodes=%d" % len(rows))
PY
	then
		fail "the recursive CTE failed: $(tail -n 1 "$tmp/cte.err")"
		row "  SQLite recursive CTE" error "" - -
		return 0
	fi
	cte_ms=$(kv "$tmp/cte.out" cte_ms)
	cte_walk=$(kv "$tmp/cte.out" cte_walk_ms)
	row "  SQLite recursive CTE (btrack-db(5), median of 5)" "$(fmt 1 3 "$cte_ms")" ms - -
	row "    of which the walk (from the object id)" "$(fmt 1 3 "$cte_walk")" ms - -
	row "  CTE result" "$(kv "$tmp/cte.out" cte_nodes)" nodes - -
	row "  CTE / btrack, finding the point included" \
		"$(awk -v a="$cte_ms" -v b="$bt_ms" 'BEGIN { printf "%.0f", a / b }')" x - -
	row "  CTE walk / btrack walk" \
		"$(awk -v a="$cte_walk" -v b="$walk_ms" 'BEGIN { printf "%.0f", a / b }')" x ge 100
	rm -f "$dlog" "$db" "$db-wal" "$db-shm"
}

# section_ebpf: the capture sources side by side on tar x + c of
# /usr/include (plain, eBPF capture system-wide and --pid, auditd with
# btrack's rules, record with ptrace and with eBPF) and the eBPF drainer
# on a synthetic write load: tests/bench-ebpf.sh, which says which rows
# cannot run here (it needs root and BTF; auditd for its row).
section_ebpf() {
	if ! B="$B" BIN="$BIN" sh "$top/tests/bench-ebpf.sh" >"$tmp/ebpf.rows" \
		2>"$tmp/ebpf.err"; then
		fail "tests/bench-ebpf.sh: $(tail -n 1 "$tmp/ebpf.err")"
	fi
	while IFS='|' read -r l v u c t; do
		row "$l" "$v" "$u" "$c" "$t"
	done <"$tmp/ebpf.rows"
}

# section_watch: `btrack watch` on a log written at 200 k events/s while
# Falco alerts arrive through a FIFO: latency p50/p99, memory after 1 000
# alerts, the extension rate (tests/bench-watch.sh; BENCH_WATCH_* size
# it).
section_watch() {
	if ! B="$B" BIN="$BIN" sh "$top/tests/bench-watch.sh" >"$tmp/watch.rows" \
		2>"$tmp/watch.err"; then
		fail "tests/bench-watch.sh: $(tail -n 1 "$tmp/watch.err")"
	fi
	while IFS='|' read -r l v u c t; do
		row "$l" "$v" "$u" "$c" "$t"
	done <"$tmp/watch.rows"
}

# The kernel module's capture cost, measured inside the VM (make vm-bench,
# tests/vm/run.sh): TCG timings, slow and noisy; no targets.
# A real audit log: a file-heavy workload recorded by a private auditd with
# btrack's rules, repeated to BENCH_AUDIT_LINES lines (default 1 M), then
# imported.  Needs root and auditd (tests/audit-capture.sh says why not).
section_auditd() {
	want=${BENCH_AUDIT_LINES:-1000000}
	rc=0
	sh "$top/tests/audit-capture.sh" "$tmp/aud" -- sh -c '
		for i in 1 2 3; do
			find /usr/include -type f -name "*.h" | head -n 3000 |
				xargs cat >/dev/null
			tar cf - -C /usr/include linux 2>/dev/null | tar xf - -C "$0"
			rm -rf "$0/linux"
		done' "$tmp" >"$tmp/aud.out" 2>&1 || rc=$?
	if [ $rc -ne 0 ] || [ ! -s "$tmp/aud/audit.log" ]; then
		row "auditd import: rate" "skipped ($(tail -n 1 "$tmp/aud.out"))" \
			"" - -
		return 0
	fi
	n=$(wc -l <"$tmp/aud/audit.log")
	: >"$tmp/big.log"
	k=0
	while [ $k -lt "$want" ]; do
		cat "$tmp/aud/audit.log" >>"$tmp/big.log"
		k=$((k + n))
	done
	t0=$(now)
	if ! "$BIN" import --format auditd -o "$tmp/aud.btl" "$tmp/big.log" \
		2>"$tmp/aud.err"; then
		fail "btrack import --format auditd: $(tail -n 1 "$tmp/aud.err")"
		row "auditd import: rate" error "" ge 500
		return 0
	fi
	t1=$(now)
	rate=$(awk -v n="$k" -v a="$t0" -v b="$t1" \
		'BEGIN { printf "%.0f", n / (b - a) }')
	row "auditd import ($(fmt 1e6 2 "$k") M lines, real log x$((k / n)))" \
		"$(fmt 1e3 0 "$rate")" "k lines/s" ge 500
	rm -f "$tmp/big.log" "$tmp/aud.btl"
}

section_kmod() {
	if ! command -v qemu-system-x86_64 >/dev/null 2>&1 ||
	   ! ls /usr/src/linux-headers-*-amd64 >/dev/null 2>&1; then
		row "kmod capture (VM, TCG)" "skipped: no qemu or kernel headers" "" - -
		return
	fi
	if ! make --no-print-directory -s B="$B" vm-bench >"$tmp/vm.out" 2>&1; then
		fail "make vm-bench (see its output: $(tail -n 1 "$tmp/vm.out"))"
		return
	fi
	row "kmod file workload, capturing/not (TCG)" "$(sed -n 's/.*bench file:.*ratio \([0-9.]*\).*/\1/p' "$tmp/vm.out")" x - -
	row "kmod shm workload, capturing/not (TCG)" "$(sed -n 's/.*bench shm:.*ratio \([0-9.]*\),.*/\1/p' "$tmp/vm.out")" x - -
	row "kmod records drained (TCG)" "$(sed -n 's/.*records\/s.*, \([0-9]*\) records\/s/\1/p; s/.* \([0-9]*\) records\/s$/\1/p' "$tmp/vm.out" | head -n 1)" /s - -
	row "kmod drops (ring full)" "$(sed -n 's/.*bench drops: full=\([0-9]*\).*/\1/p' "$tmp/vm.out")" "" - -
}

if ! make --no-print-directory -s B="$B" "$B/bench_load" >&2; then
	echo "bench: cannot build $B/bench_load" >&2
	exit 1
fi
echo "btrack benchmark: $EVENTS events (seed 1), $(uname -m), $(nproc) cpus, load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?'), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
start=$(now)
for s in $SECTIONS; do
	"section_$s"
done
case " $SECTIONS " in *" db "*) BIN="$BIN" sh "$top/tests/bench-db.sh" || fail "tests/bench-db.sh failed";; esac
end=$(now)

echo
awk -F'|' '
	{ a[NR] = $1; v[NR] = $2; t[NR] = $3; s[NR] = $4
	  if (length($1) > w1) w1 = length($1)
	  if (length($2) > w2) w2 = length($2)
	  if (length($3) > w3) w3 = length($3) }
	END {
		if (w3 < 6) w3 = 6
		printf "%-*s  %*s  %-*s  %s\n", w1, "measure", w2, "value", w3, "target", "status"
		for (i = 1; i <= NR; i++)
			printf "%-*s  %*s  %-*s  %s\n", w1, a[i], w2, v[i], w3, t[i], s[i]
	}' "$rows"
echo
misses=$(grep -c '|MISS$' "$rows" || true)
printf 'bench: %s miss(es), %s s\n' "$misses" \
	"$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", b - a }')"
if [ -n "$errors" ]; then
	echo "bench: could not measure:$errors" >&2
	exit 1
fi
exit 0
