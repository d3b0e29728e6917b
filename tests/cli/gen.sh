#!/bin/sh
# btrack gen: the summary and the planted points it prints, a log that
# verifies, the planted chain found by backtrack (the entry endpoint at page
# granularity without the shared cache daemon, which object granularity
# reaches), determinism for a seed, --start, --force and usage errors.
set -eu
tmp=$(mktemp -d "${TMPDIR:-/tmp}/btgen.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# A 100 k event log; the summary and points go to stderr, stdout is empty.
"$BTRACK" gen --events 100k --seed 42 -o a.btl >out 2>err ||
	fail "gen exited $?: $(cat err)"
[ ! -s out ] || fail "gen wrote to stdout: $(cat out)"
grep -q "^btrack: generated [0-9]* events, [0-9]* objects into 'a.btl'" err ||
	fail "no summary: $(cat err)"
n=$(sed -n 's/^btrack: generated \([0-9]*\) events.*/\1/p' err)
[ "$n" -ge 100000 ] && [ "$n" -le 101100 ] || fail "$n events for 100k"
grep -qx 'detection point: file:/var/tmp/.x/loot' err ||
	fail "no detection point line: $(cat err)"
grep -qx 'entry point: endpoint:203.0.113.66:4444' err ||
	fail "no entry point line: $(cat err)"
[ -s a.btl ] || fail "no log written"
[ "$(ls | grep -c gen-)" -eq 0 ] || fail "temporary file left: $(ls)"

# The log verifies.
if "$BTRACK" log verify a.btl >v.out 2>v.err; then
	grep -q ok v.out || fail "log verify says: $(cat v.out)"
else
	fail "log verify: $(cat v.err)"
fi

# The planted chain: the entry point is reached at page granularity, the
# daemon writing other pages of the same file is not; at object
# granularity it is.
# Display filters (if backtrack has them) could hide either side of the
# comparison: walk without them.
spec=$(sed -n 's/^detection point: //p' err)
nf=""
if "$BTRACK" backtrack -h | grep -q -- --no-filters; then
	nf=--no-filters
fi
# shellcheck disable=SC2086
"$BTRACK" backtrack --log a.btl --from "$spec" $nf --format json >page.json ||
	fail "backtrack exited $?"
grep -q '"203.0.113.66:4444"' page.json ||
	fail "entry endpoint not in the page-granularity result"
grep -q '/tmp/.x/payload.sh' page.json || fail "payload not in the result"
! grep -q 'shmcached' page.json ||
	fail "page granularity reached the other page's writer"
# shellcheck disable=SC2086
"$BTRACK" backtrack --log a.btl --from "$spec" $nf --granularity object \
	--format json >object.json || fail "backtrack (object) exited $?"
grep -q '"203.0.113.66:4444"' object.json ||
	fail "entry endpoint not in the object-granularity result"
grep -q 'shmcached' object.json ||
	fail "object granularity did not reach the other page's writer"

# --jsonl: the same activity as import input; imported, the chain is
# there with the same page/object contrast.
"$BTRACK" gen --events 20k --seed 42 --jsonl -o ev.jsonl 2>err ||
	fail "gen --jsonl exited $?: $(cat err)"
grep -q "^btrack: generated [0-9]* events, [0-9]* objects as [0-9]* JSONL lines into 'ev.jsonl'" err ||
	fail "no JSONL summary: $(cat err)"
lines=$(sed -n 's/.* as \([0-9]*\) JSONL lines.*/\1/p' err)
[ "$(wc -l <ev.jsonl)" -eq "$lines" ] || fail "line count differs from summary"
[ "$(ls | grep -c gen-)" -eq 0 ] || fail "temporary file left: $(ls)"
if "$BTRACK" import -o im.btl ev.jsonl 2>im.err; then
	# shellcheck disable=SC2086
	"$BTRACK" backtrack --log im.btl --from "$spec" $nf --format json \
		>im.json || fail "backtrack of the imported log exited $?"
	grep -q '"203.0.113.66:4444"' im.json ||
		fail "imported: entry endpoint not reached"
	! grep -q 'shmcached' im.json ||
		fail "imported: page granularity reached the other writer"
	# shellcheck disable=SC2086
	"$BTRACK" backtrack --log im.btl --from "$spec" $nf \
		--granularity object --format json >im.json
	grep -q 'shmcached' im.json ||
		fail "imported: object granularity missed the other writer"
else
	fail "import of gen --jsonl: $(cat im.err)"
fi

# Same seed, same log (but for the created time at bytes 24..31 and the
# header checksums at 40..47 that cover it); another seed, another log.
"$BTRACK" gen --events 100k --seed 42 -o b.btl 2>/dev/null
cmp -s -n 24 a.btl b.btl || fail "same seed: headers differ"
cmp -s -i 48 a.btl b.btl || fail "same seed: records differ"
"$BTRACK" gen --events 100k --seed 43 -o c.btl 2>/dev/null
! cmp -s -i 32 a.btl c.btl || fail "different seeds give the same log"

# Suffixes and --start.
"$BTRACK" gen -n 2k --start 2026-11-21T10:00:00Z -o d.btl 2>err
n=$(sed -n 's/^btrack: generated \([0-9]*\) events.*/\1/p' err)
[ "$n" -ge 2000 ] && [ "$n" -le 2200 ] || fail "$n events for 2k"
"$BTRACK" backtrack --log d.btl --from file:/var/tmp/.x/loot >d.txt
grep -q '2026-11-21T10:0' d.txt || fail "--start not honoured: $(head -3 d.txt)"
if "$BTRACK" gen -n 2k --start 1700000000 -o e.btl 2>/dev/null &&
   "$BTRACK" gen -n 2k -o f.btl 2>/dev/null; then
	cmp -s -i 48 e.btl f.btl || fail "default start is not 1700000000"
fi

# An existing log is kept without --force, replaced with it.
cp a.btl keep.btl
if "$BTRACK" gen -n 1k -o a.btl 2>err; then
	fail "gen overwrote a log without --force"
fi
grep -q "'a.btl' already exists" err || fail "unclear refusal: $(cat err)"
cmp -s a.btl keep.btl || fail "refused run changed the log"
"$BTRACK" gen -n 1k --force -o a.btl 2>/dev/null || fail "--force failed"
! cmp -s a.btl keep.btl || fail "--force did not replace the log"

# Usage errors exit 2; -h exits 0 with the synopsis.
# A planted connection between two generated hosts (--send-to on one,
# --recv-from on the other): added to one case database, the backtrack
# from the receiving host's file crosses into the sender's chain, to its
# entry endpoint, and names both hosts.
"$BTRACK" gen -n 20k -s 1 --send-to 10.0.0.2:5432,10.0.0.1:40000 \
	-o web.btl 2>err || fail "gen --send-to exited $?: $(cat err)"
"$BTRACK" gen -n 20k -s 2 --recv-from 10.0.0.1:40000,10.0.0.2:5432 \
	-o db.btl 2>err || fail "gen --recv-from exited $?: $(cat err)"
grep -qx 'detection point: file:/var/tmp/.x/received' err &&
grep -qx 'entry point: endpoint:10.0.0.1:40000' err ||
	fail "--recv-from points: $(cat err)"
"$BTRACK" db add --db two.db --host web web.btl >/dev/null 2>&1 &&
"$BTRACK" db add --db two.db --host db db.btl >/dev/null 2>&1 ||
	fail "db add of the two hosts failed"
"$BTRACK" backtrack --db two.db --from file:/var/tmp/.x/received \
	>walk 2>err || fail "backtrack on two hosts exited $?: $(cat err)"
grep -q '^  \[[0-9]*\] 203.0.113.66:4444 .*entry point' walk ||
	fail "the sender's entry point is not reached: $(cat walk)"
grep -q '^  \[[0-9]*\] web: curl ' walk && grep -q '^  \[[0-9]*\] db: ' walk ||
	fail "the walk does not cross between the hosts: $(cat walk)"
grep -q '1 connection joined between hosts' err ||
	fail "no connection joined: $(cat err)"
# Alone, the receiving host's walk stops at the connection.
"$BTRACK" backtrack --log db.btl --from file:/var/tmp/.x/received >walk 2>err
grep -q '203.0.113.66' walk && fail "one host's log reaches the other's entry"

for args in "-o x.btl" "-n 10" "-n abc -o x.btl" "-n 1x -o x.btl" \
	"-n 0 -o x.btl" "-n 10 --seed -1 -o x.btl" "-n 10 -o x.btl extra" \
	"-n 10 --start yesterday -o x.btl" "--bogus" \
	"-n 10 --send-to 10.0.0.1:1 -o x.btl" "-n 10 --recv-from ,a -o x.btl"; do
	rc=0
	# shellcheck disable=SC2086
	"$BTRACK" gen $args 2>err || rc=$?
	[ "$rc" -eq 2 ] || fail "'gen $args' exited $rc, not 2"
	[ ! -e x.btl ] || fail "'gen $args' wrote a log"
done
"$BTRACK" gen -h >help || fail "gen -h exited $?"
grep -q 'btrack gen --events N \[--seed S\] \[--start TIME\] \[--send-to REMOTE,LOCAL\] \[--recv-from REMOTE,LOCAL\] \[--force\] \[--jsonl\] -o LOG' help ||
	fail "no synopsis in -h"

# A log that cannot be written: exit 1, nothing left behind.
rc=0
"$BTRACK" gen -n 1k -o "$tmp/no/such/dir/x.btl" 2>err || rc=$?
[ "$rc" -eq 1 ] || fail "unwritable output exited $rc, not 1"
grep -q 'btrack: ' err || fail "no message for an unwritable output"
# A full disk (a 2 MiB file size limit; SIGXFSZ ignored so the writer
# sees EFBIG): exit 1 with a message, no log and no temporary file left,
# an existing log untouched.
cp keep.btl full.btl
rc=0
( trap '' XFSZ; ulimit -f 2048; "$BTRACK" gen -n 1M --force -o full.btl ) \
	2>err || rc=$?
[ "$rc" -eq 1 ] || fail "full disk exited $rc, not 1: $(cat err)"
grep -q 'btrack: ' err || fail "no message for a full disk"
cmp -s full.btl keep.btl || fail "a failed --force run changed the old log"
[ "$(ls | grep -c gen-)" -eq 0 ] || fail "temporary file left: $(ls)"
echo ok
