#!/bin/sh
# Options anywhere on the command line, as with GNU getopt and git: before,
# between and after operands; "--" ends them; `record` stops at its command.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
B=${BTRACK:?}
. "$BTRACK_TOP/tests/lib.sh"
cd "$tmp"

printf '%s\n' '{"time": 100, "op": "write", "pid": 10, "path": "/tmp/a"}' \
	'{"time": 101, "op": "read", "pid": 20, "path": "/tmp/a"}' \
	'{"time": 102, "op": "write", "pid": 20, "path": "/tmp/b"}' >ev.jsonl

# import: the issue's command line, -o after the operand.
expect 0 "$B" import --format jsonl ev.jsonl -o case.btl
[ -s case.btl ] || fail "import with -o after FILE wrote no log"
# Between operands, and --force after everything.
expect 0 "$B" import ev.jsonl -o case2.btl --format jsonl ev.jsonl --force
"$B" log info case2.btl >info
grep -q 'events: *6' info || fail "import of two FILEs around options: $(cat info)"

# backtrack/forward: --log after --from, --format last.
expect 0 "$B" backtrack --from file:/tmp/b --log case.btl --format json
grep -q '"/tmp/a"' "$tmp/out" || fail "backtrack with options in any order"
expect 0 "$B" forward --from file:/tmp/a --format text --log case.btl
grep -q '/tmp/b' "$tmp/out" || fail "forward with options in any order"

# log: options after the subcommand and after the log.
expect 0 "$B" log dump case.btl --limit 1
[ "$(grep -c . "$tmp/out")" -eq 1 ] || fail "log dump LOG --limit 1 printed $(grep -c . "$tmp/out") lines"
expect 0 "$B" log --limit 2 dump case.btl
[ "$(grep -c . "$tmp/out")" -eq 2 ] || fail "log --limit 2 dump LOG"

# db: the subcommand's options after its operands.
expect 0 "$B" db add case.btl --db case.db
expect 0 "$B" db info --db case.db
grep -q 'case.btl' "$tmp/out" || fail "db add LOG --db CASE: $(cat "$tmp/out")"

# "--" ends the options: an operand that starts with '-' is a file name.
printf '%s\n' '{"time": 5, "op": "write", "pid": 1, "path": "/x"}' >./-dash.jsonl
expect 0 "$B" import -o dash.btl -- -dash.jsonl
expect 2 "$B" import -o dash2.btl -dash.jsonl
grep -q "unknown option" "$tmp/err" || fail "an unknown option not refused: $(cat "$tmp/err")"

# An unknown option after an operand is still an error (exit 2).
expect 2 "$B" backtrack --log case.btl --from file:/tmp/b --bogus
expect 2 "$B" import ev.jsonl -o case3.btl --bogus

# record runs a command: its options are the command's, with or without "--".
if "$B" record --no-pages -o probe.btl -- true 2>/dev/null; then
	expect 0 "$B" record --no-pages -o r1.btl -- sh -c 'echo "$1"' sh -x
	[ "$(cat "$tmp/out")" = "-x" ] || fail "record -- CMD -x: $(cat "$tmp/out")"
	expect 0 "$B" record --no-pages -o r2.btl sh -c 'echo "$1"' sh -o
	[ "$(cat "$tmp/out")" = "-o" ] || fail "record CMD -o: $(cat "$tmp/out")"
	[ -s r2.btl ] || fail "record CMD -o: no log"
fi
echo ok
