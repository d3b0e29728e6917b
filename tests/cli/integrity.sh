#!/bin/sh
# Evidence integrity of the writers and of what the CLI prints (issue 14):
#  - readers of a log while writers replace it (--force) or append to it
#    never die of a signal (SIGBUS: defect 1);
#  - two imports into one new log: exactly one wins, nothing replaced
#    silently (defect 3);
#  - a symlink at -o is replaced with --force and never written through,
#    refused without; a writer killed with SIGKILL leaves no broken log at
#    its path, and its temporary file is reported by the next run; an
#    existing -o of backtrack/forward needs --force (defect 4);
#  - two `db add` into one new case database both succeed (defect 5);
#  - escape codes, newlines, tabs and invalid UTF-8 from alerts, specs,
#    host and investigation names and recorded paths never reach the
#    terminal raw (defect 8).
# The races run for a bounded time (a few seconds each), with real
# processes.
set -eu
: "${BTRACK:=btrack}"
: "${BTRACK_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/btinteg.XXXXXX")
T=$tmp
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
B=$BTRACK

. "$BTRACK_TOP/tests/lib.sh"

ESC=$(printf '\033')
BEL=$(printf '\007')

# No raw control byte (ESC, BEL, CR) or byte 0xff/0xfe in file $1.
no_raw() {
	if LC_ALL=C grep -q "[$ESC$BEL$(printf '\r\377\376')]" "$1"; then
		fail "raw control or invalid UTF-8 bytes reached the output: $(od -c "$1" | head -20)"
	fi
}

now() { date +%s; }

# ---- defect 3: two imports of one new log --------------------------------
"$B" gen -n 5k --seed 1 --jsonl -o a.jsonl 2>/dev/null
"$B" gen -n 5k --seed 2 --jsonl -o b.jsonl 2>/dev/null
end=$(($(now) + 4))
rounds=0 at_rename=0
while [ "$rounds" -lt 30 ] && [ "$(now)" -lt "$end" ]; do
	rm -f same.btl .same.btl.btrack-tmp.*
	set +e
	"$B" import -o same.btl a.jsonl >/dev/null 2>ea &
	pa=$!
	"$B" import -o same.btl b.jsonl >/dev/null 2>eb &
	pb=$!
	wait $pa; ra=$?
	wait $pb; rb=$?
	set -e
	case "$ra$rb" in
	01) loser=eb; win=a.jsonl ;;
	10) loser=ea; win=b.jsonl ;;
	*) fail "two imports into one new log exited $ra and $rb: $(cat ea eb)" ;;
	esac
	grep -Eq "already exists|created by another process meanwhile" $loser ||
		fail "unclear message for the losing import: $(cat $loser)"
	grep -q meanwhile $loser && at_rename=$((at_rename + 1))
	"$B" log dump same.btl | grep -q "import jsonl $win" ||
		fail "the log is not the winner's ($win)"
	rounds=$((rounds + 1))
done
rm -f .same.btl.btrack-tmp.*
echo "import race: $rounds rounds, $at_rename decided at the rename"

# ---- defect 1: readers beside writers that replace or append -------------
"$B" gen -n 10k -o live.btl 2>/dev/null
(
	end=$(($(now) + 3))
	while [ "$(now)" -lt "$end" ]; do
		"$B" gen -n 10k --force -o live.btl 2>/dev/null || exit 1
	done
) &
wpid=$!
reads=0 end=$(($(now) + 3))
while [ "$(now)" -lt "$end" ]; do
	set +e
	"$B" log dump live.btl >/dev/null 2>rerr
	rc=$?
	set -e
	[ $rc -lt 128 ] || fail "log dump died of signal $((rc - 128)) beside a replacing writer"
	[ $rc -eq 0 ] || fail "log dump beside a replacing writer: $(cat rerr)"
	reads=$((reads + 1))
done
wait $wpid || fail "the replacing writer failed"
echo "readers beside gen --force: $reads reads"

have_record=1
"$B" record --no-pages -o probe.btl -- true 2>/dev/null || have_record=0
if [ $have_record = 1 ]; then
	# record --force and record --append, each beside readers
	for mode in --force --append; do
		rm -f rec.btl
		"$B" record --no-pages -o rec.btl -- true 2>/dev/null
		(
			end=$(($(now) + 3))
			while [ "$(now)" -lt "$end" ]; do
				"$B" record --no-pages $mode -o rec.btl -- sh -c \
					'for i in 1 2 3 4 5 6 7 8 9 10; do cat /etc/passwd; done' \
					>/dev/null 2>&1 || exit 1
			done
		) &
		wpid=$!
		reads=0 end=$(($(now) + 3))
		while [ "$(now)" -lt "$end" ]; do
			set +e
			"$B" log dump rec.btl >/dev/null 2>rerr
			rc=$?
			set -e
			[ $rc -lt 128 ] || fail "log dump died of signal $((rc - 128)) beside record $mode"
			reads=$((reads + 1))
		done
		wait $wpid || fail "record $mode failed"
		"$B" log verify rec.btl >/dev/null 2>&1 || fail "record $mode: log does not verify"
		echo "readers beside record $mode: $reads reads"
	done
else
	echo "record not usable here: its races skipped"
fi

# ---- defect 4: symlinks, kills, --force for every -o ---------------------
printf 'precious\n' >precious
cp precious precious.orig
ln -s precious link.btl
"$B" gen -n 1k -o small.btl 2>/dev/null
cp "$BTRACK_TOP/tests/data/sarmoria.jsonl" s.jsonl
# without --force: refused, the target untouched
expect 1 "$B" gen -n 1k -o link.btl
grep -q "already exists" "$tmp/err" || fail "gen: $(cat "$tmp/err")"
expect 1 "$B" import -o link.btl s.jsonl
grep -q "already exists" "$tmp/err" || fail "import: $(cat "$tmp/err")"
expect 1 "$B" backtrack --log small.btl --from file:/var/tmp/.x/loot -o link.btl
grep -q "already exists; use --force" "$tmp/err" || fail "backtrack: $(cat "$tmp/err")"
[ -L link.btl ] && cmp -s precious precious.orig || fail "a refused writer changed the link or its target"
# --append never writes through a link
if [ $have_record = 1 ]; then
	expect 1 "$B" record --no-pages --append -o link.btl -- true
	grep -q "symbolic link" "$tmp/err" || fail "record --append on a link: $(cat "$tmp/err")"
fi
# with --force: the link is replaced, its target never written
for w in gen import backtrack forward record; do
	rm -f link.btl
	ln -s precious link.btl
	case $w in
	gen) expect 0 "$B" gen -n 1k --force -o link.btl ;;
	import) expect 0 "$B" import --force -o link.btl s.jsonl ;;
	backtrack|forward)
		expect 0 "$B" $w --log small.btl --from file:/var/tmp/.x/loot --force -o link.btl ;;
	record)
		[ $have_record = 1 ] || continue
		expect 0 "$B" record --no-pages --force -o link.btl -- true ;;
	esac
	[ ! -L link.btl ] && [ -f link.btl ] || fail "$w --force kept the link"
	cmp -s precious precious.orig || fail "$w --force wrote through the link"
done

# backtrack/forward -o: an existing file needs --force; a device does not
echo old >out.txt
expect 1 "$B" forward --log small.btl --from endpoint:203.0.113.66:4444 -o out.txt
[ "$(cat out.txt)" = old ] || fail "forward replaced out.txt without --force"
expect 0 "$B" forward --log small.btl --from endpoint:203.0.113.66:4444 -o out.txt --force
[ "$(cat out.txt)" != old ] || fail "forward --force did not replace out.txt"
expect 0 "$B" backtrack --log small.btl --from file:/var/tmp/.x/loot -o /dev/null
# a write error on a device (no space): exit 1, and the device stays (a
# failed export once removed its output path: as root, /dev/full itself)
if [ -c /dev/full ]; then
	expect 1 "$B" backtrack --log small.btl --from file:/var/tmp/.x/loot \
		--format json -o /dev/full
	[ -c /dev/full ] || fail "a failed write removed /dev/full"
fi
# /dev/stdout redirected to a regular file: written there, not replaced
"$B" backtrack --log small.btl --from file:/var/tmp/.x/loot -o /dev/stdout \
	>redir.txt 2>/dev/null || fail "-o /dev/stdout into a file"
grep -q loot redir.txt || fail "-o /dev/stdout wrote nothing"
[ -L /dev/stdout ] || fail "/dev/stdout was replaced"
# a failed walk leaves no file and no temporary file
expect 1 "$B" backtrack --log small.btl --from file:/nowhere -o none.txt
[ ! -e none.txt ] && [ -z "$(ls -A | grep '^\.none\.txt\.btrack-tmp')" ] ||
	fail "a failed backtrack left files: $(ls -A)"
# batch outputs (-o DIR) too
printf 'file:/var/tmp/.x/loot\n' >points
expect 0 "$B" backtrack --log small.btl --from-list points -o res
expect 1 "$B" backtrack --log small.btl --from-list points -o res
grep -q "already exists" "$tmp/err" || fail "batch: $(cat "$tmp/err")"
expect 0 "$B" backtrack --log small.btl --from-list points -o res --force

# SIGKILL during gen: the path holds no log or a whole one, never a broken
# one; with --force the old log stays until the new one is complete.
"$B" gen -n 1k -o old.btl 2>/dev/null
end=$(($(now) + 3)) kills=0
while [ "$(now)" -lt "$end" ]; do
	rm -f k.btl
	"$B" gen -n 3M -o k.btl 2>/dev/null &
	p1=$!
	"$B" gen -n 3M --force -o old.btl 2>/dev/null &
	p2=$!
	sleep 0.$((kills % 4))
	kill -9 $p1 $p2 2>/dev/null || true
	wait $p1 $p2 2>/dev/null || true
	if [ -e k.btl ]; then
		"$B" log verify k.btl >/dev/null 2>&1 || fail "a killed gen left a broken k.btl"
	fi
	"$B" log verify old.btl >/dev/null 2>&1 || fail "a killed gen --force broke old.btl"
	kills=$((kills + 1))
done
echo "gen killed $kills times"
# its temporary files are named by the next writer of the same path
if ls -A | grep -q '^\.k\.btl\.btrack-tmp\.'; then
	expect 0 "$B" gen -n 1k --force -o k.btl
	grep -q "left by a writer that died" "$tmp/err" ||
		fail "stale temporary logs not reported: $(cat "$tmp/err")"
fi

# SIGKILL during record: nothing at the path (no all-zero 'not a btrack
# log'); the temporary log is valid and reported by the next record.
if [ $have_record = 1 ]; then
	rm -f rk.btl .rk.btl.btrack-tmp.*
	"$B" record --no-pages -o rk.btl -- sh -c 'cat /etc/passwd >/dev/null; sleep 30' 2>/dev/null &
	rp=$!
	n=0
	while ! ls -A | grep -q '^\.rk\.btl\.btrack-tmp\.' && [ $n -lt 100 ]; do
		sleep 0.05
		n=$((n + 1))
	done
	sleep 0.3
	kill -9 $rp
	wait $rp 2>/dev/null || true
	[ ! -e rk.btl ] || fail "a killed record left rk.btl"
	left=$(ls -A | grep '^\.rk\.btl\.btrack-tmp\.' | head -1)
	[ -n "$left" ] || fail "a killed record left no temporary log"
	expect 0 "$B" log info "$left"
	expect 0 "$B" record --no-pages -o rk.btl -- true
	grep -q "left by a writer that died" "$tmp/err" ||
		fail "the killed record's log is not reported: $(cat "$tmp/err")"
	# (the traced sleep died with its tracer: PTRACE_O_EXITKILL)
fi

# ---- defect 5: db add into one new case database at once -----------------
"$B" gen -n 2k --seed 1 -o d1.btl 2>/dev/null
"$B" gen -n 2k --seed 2 -o d2.btl 2>/dev/null
"$B" gen -n 2k --seed 3 -o d3.btl 2>/dev/null
end=$(($(now) + 4)) rounds=0
while [ "$rounds" -lt 8 ] && [ "$(now)" -lt "$end" ]; do
	rm -f case.db case.db-wal case.db-shm
	set +e
	"$B" db add --db case.db --host h1 d1.btl >/dev/null 2>e1 &
	p1=$!
	"$B" db add --db case.db --host h2 d2.btl >/dev/null 2>e2 &
	p2=$!
	"$B" db add --db case.db --host h3 d3.btl >/dev/null 2>e3 &
	p3=$!
	wait $p1; r1=$?
	wait $p2; r2=$?
	wait $p3; r3=$?
	set -e
	[ "$r1$r2$r3" = 000 ] ||
		fail "concurrent db add into a new database: exit $r1 $r2 $r3: $(cat e1 e2 e3)"
	expect 0 "$B" db info --db case.db
	grep -q '^logs  *3$' "$tmp/out" || fail "db info: $(cat "$tmp/out")"
	rounds=$((rounds + 1))
done
echo "db add race: $rounds rounds"

# ---- defect 8: untrusted strings on the terminal -------------------------
# An alert whose detection point holds escape sequences (title, clear
# screen), a BEL, a right-to-left override.
printf '{"object": "file:/tmp/\\u001b]0;pwned\\u0007\\u001b[2J\\u202e"}\n' >evil.json
set +e
"$B" backtrack --log small.btl --alert evil.json >out 2>err
rc=$?
set -e
[ $rc -ne 0 ] || fail "an unknown detection point succeeded"
grep -q 'in the log' err || fail "alert: $(cat err)"
no_raw err
grep -qF '\x1b]0;pwned\x07\x1b[2J\xe2\x80\xae' err || fail "alert point not shown by the rule: $(cat err)"
# the Falco form
printf '{"output_fields": {"fd.name": "/tmp/\\u001b[2Jx"}}\n' >falco.json
set +e
"$B" backtrack --log small.btl --alert falco.json >out 2>err
set -e
no_raw err
grep -qF '\x1b[2Jx' err || fail "falco point: $(cat err)"
# the command line, with invalid UTF-8
set +e
"$B" backtrack --log small.btl --from "$(printf 'file:/tmp/\033[2J\377\376')" >out 2>err
set -e
no_raw err
grep -qF '\x1b[2J\xff\xfe' err || fail "--from: $(cat err)"

# host and investigation names in the case database
host=$(printf 'evil\n\033[2Jhost\tx')
rm -f case.db case.db-wal case.db-shm
expect 0 "$B" db add --db case.db --host "$host" small.btl
no_raw "$tmp/out"
[ "$(wc -l <"$tmp/out")" -eq 1 ] || fail "db add: $(cat "$tmp/out")"
expect 0 "$B" db info --db case.db
no_raw "$tmp/out"
[ "$(grep -c '^log ' "$tmp/out")" -eq 1 ] || fail "db info: a name broke the rows: $(cat "$tmp/out")"
grep -qF 'host evil\x0a\x1b[2Jhost\x09x,' "$tmp/out" || fail "db info: $(cat "$tmp/out")"
inv=$(printf 'case\t1\nforged\t\033[31m')
expect 0 "$B" db save --db case.db "$inv" --from file:/var/tmp/.x/loot
no_raw "$tmp/out"
# an investigation is not replaced silently either
expect 1 "$B" db save --db case.db "$inv" --forward --from endpoint:203.0.113.66:4444
grep -q "already exists in 'case.db'; use --force" "$tmp/err" || fail "db save: $(cat "$tmp/err")"
no_raw "$tmp/err"
expect 0 "$B" db save --db case.db "$inv" --forward --from endpoint:203.0.113.66:4444 --force
expect 0 "$B" db save --db case.db "$inv" --from file:/var/tmp/.x/loot --force
expect 0 "$B" db list --db case.db
no_raw "$tmp/out"
[ "$(wc -l <"$tmp/out")" -eq 1 ] || fail "db list: a name broke the rows: $(cat "$tmp/out")"
[ "$(cut -f1 "$tmp/out")" = 'case\x091\x0aforged\x09\x1b[31m' ] ||
	fail "db list: first field $(cut -f1 "$tmp/out")"
[ "$(cut -f2 "$tmp/out")" = backward ] || fail "db list: second field: $(cat "$tmp/out")"
expect 0 "$B" db show --db case.db "$inv"
no_raw "$tmp/out"
expect 1 "$B" db show --db case.db "$(printf 'no\033[2Jsuch')"
no_raw "$tmp/err"
# a backslash is shown once as \\ (the saved labels are not escaped twice)
cat >bs.jsonl <<'X'
{"time": 1700000000000000001, "op": "exec", "pid": 101, "path": "/bin/sh", "argv": ["sh"]}
{"time": 1700000000000000004, "op": "create", "pid": 101, "path": "/tmp/a\\b\u001b[2J"}
{"time": 1700000000000000005, "op": "write", "pid": 101, "path": "/tmp/a\\b\u001b[2J"}
X
expect 0 "$B" import -o bs.btl bs.jsonl
expect 0 "$B" db add --db bs.db bs.btl
expect 0 "$B" db save --db bs.db bs --from "$(printf 'file:/tmp/a\\b\033[2J')"
expect 0 "$B" db show --db bs.db bs
no_raw "$tmp/out"
grep -qF 'from:       file:/tmp/a\\b\x1b[2J' "$tmp/out" || fail "db show from: $(cat "$tmp/out")"
grep -qF 'file      /tmp/a\\b\x1b[2J  (detection point)' "$tmp/out" ||
	fail "db show label: $(cat "$tmp/out")"

# a database from elsewhere: a saved result holding an escape sequence
if python3 -c 'import sqlite3' 2>/dev/null; then
	python3 - <<'PY'
import sqlite3
c = sqlite3.connect("case.db")
c.execute("UPDATE investigations SET result = ?",
          ('{"nodes": [{"kind": "file", "label": "\x1b]0;pwned\x07"}]}',))
c.commit()
PY
	expect 3 "$B" db show --db case.db "$inv" --format json
	no_raw "$tmp/out"
	no_raw "$tmp/err"
	grep -q "control byte 0x1b" "$tmp/err" || fail "db show json: $(cat "$tmp/err")"
fi

# a recorded file name with escape codes and invalid UTF-8
if [ $have_record = 1 ]; then
	mkdir rdir
	bad=$(printf 'rdir/a\033[2J\377b')
	expect 0 "$B" record --no-pages -o u.btl -- sh -c "echo x >'$bad'"
	expect 0 "$B" log dump u.btl
	no_raw "$tmp/out"
	grep -qF 'a\x1b[2J\xffb' "$tmp/out" || fail "log dump: $(grep rdir "$tmp/out")"
	expect 0 "$B" backtrack --log u.btl --from "file:$tmp/$bad"
	no_raw "$tmp/out"
	grep -qF 'a\x1b[2J\xffb' "$tmp/out" || fail "backtrack text: $(cat "$tmp/out")"
fi
exit 0
