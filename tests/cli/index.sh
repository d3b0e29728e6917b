#!/bin/sh
# btrack log index: the index beside a generated log (planted attack) and
# beside a recorded scenario (tests/data); backtrack and forward give the
# same JSON with and without it; a stale index (the log appended to) is
# used and extended with the rest (and written again when indexes are
# written and the log grew enough), one of another log is refused and
# rebuilt (BTRACK_INDEX=always); damaged copies (bytes
# flipped at offsets spread over the file) are caught (exit 3 naming the
# index, or a warning and the log read instead) or harmless (the same
# JSON), never a different answer; usage errors; a version 1 log has none.
# (check_index flips every byte of a small index.)
set -eu
: "${BTRACK:=btrack}"
: "${BTRACK_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/btindex.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() { echo "FAIL: $*" >&2; exit 1; }

expect() {
	want=$1
	shift
	set +e
	"$@" >out 2>err
	rc=$?
	set -e
	[ "$rc" -eq "$want" ] ||
		fail "'$*' exited $rc, want $want: $(cat err)"
}

# answers LOG SPEC PREFIX: backtrack and forward JSON into PREFIX.b/.f
answers() {
	"$BTRACK" backtrack --log "$1" --from "$2" --format json \
		--max-nodes 300 >"$3.b" 2>"$3.be" || return 1
	"$BTRACK" forward --log "$1" --from "$2" --format json \
		--max-nodes 300 >"$3.f" 2>"$3.fe" || return 1
}

expect 0 "$BTRACK" gen --events 200000 --seed 3 -o g.btl
det=$(sed -n 's/^detection point: //p' err)
[ -n "$det" ] || fail "gen names no detection point"
[ ! -e g.btl.btx ] || fail "gen wrote an index"

# Without the index (off), then with it.
BTRACK_INDEX=off answers g.btl "$det" ref
grep -q '4444' ref.b || fail "the planted entry point is not reached"
expect 0 "$BTRACK" log index g.btl
grep -q "indexed 'g.btl' (.* events, .* objects) into 'g.btl.btx'" err ||
	fail "log index says: $(cat err)"
[ -s g.btl.btx ] || fail "no g.btl.btx"
for spec in "$det" proc:3 file:/etc/crontab; do
	BTRACK_INDEX=off answers g.btl "$spec" a
	BTRACK_INDEX=never answers g.btl "$spec" b
	cmp -s a.b b.b || fail "backtrack $spec differs with the index"
	cmp -s a.f b.f || fail "forward $spec differs with the index"
	! grep -q index b.be || fail "warning with a valid index: $(cat b.be)"
done

# -o names another index; a v1 log has none.
expect 0 "$BTRACK" log index g.btl -o other.btx
[ -s other.btx ] || fail "-o: no other.btx"
expect 2 "$BTRACK" log index
expect 2 "$BTRACK" log index g.btl --force
expect 1 "$BTRACK" log index missing.btl
BTRACK_LOG_VERSION=1 "$BTRACK" gen --events 1000 -o v1.btl 2>/dev/null
expect 3 "$BTRACK" log index v1.btl
grep -q 'upgrade it first' err || fail "v1: $(cat err)"

# Damage: bytes flipped at offsets spread over the index.
size=$(wc -c <g.btl.btx)
cp g.btl.btx good.btx
n=0
for off in 0 9 17 30 40 48 60 100 200 $((size / 7)) $((size / 5)) \
	$((size / 3)) $((size / 2)) $((size * 2 / 3)) $((size - 9)) \
	$((size - 1)); do
	cp good.btx g.btl.btx
	b=$(od -An -tu1 -j "$off" -N1 g.btl.btx | tr -d ' ')
	printf "$(printf '\\%03o' $(((b + 1) % 256)))" |
		dd of=g.btl.btx bs=1 seek="$off" conv=notrunc 2>/dev/null
	set +e
	BTRACK_INDEX=never "$BTRACK" backtrack --log g.btl --from "$det" \
		--format json --max-nodes 300 >x.b 2>x.be
	rc=$?
	set -e
	case $rc in
	0) cmp -s x.b ref.b || fail "byte $off flipped: a different answer" ;;
	3) grep -q "g.btl.btx" x.be || fail "byte $off: $(cat x.be)" ;;
	*) fail "byte $off flipped: exit $rc: $(cat x.be)" ;;
	esac
	n=$((n + 1))
done
cp good.btx g.btl.btx

# Stale: appended to after the index was written (a real program
# recorded into it).  The log only grew: the index is used and extended
# with what was appended, and answers as the log read alone.  A log
# replaced by another is refused (said) and, with BTRACK_INDEX=always,
# the index rebuilt and then used.
expect 0 "$BTRACK" record --append -o g.btl -- /bin/true
BTRACK_INDEX=never answers g.btl file:/bin/true s
! grep -q 'stale' s.be || fail "index of a log that grew not extended: $(cat s.be)"
BTRACK_INDEX=off answers g.btl file:/bin/true t
cmp -s s.b t.b || fail "the extended index answers differently"
cmp -s s.f t.f || fail "the extended index answers differently (forward)"
grep -q '"kind": "process"' s.f || fail "the appended records are not seen"
# Written again (the policy writes indexes, the log is closed and grew):
# said, the same answers, and then used as it is (not extended again).
cp g.btl.btx before.btx
BTRACK_INDEX=always answers g.btl file:/bin/true s
grep -q 'fewer than the log: rewritten' s.be ||
	fail "index of a log that grew not rewritten: $(cat s.be)"
cmp -s s.b t.b || fail "the rewritten index answers differently"
! cmp -s before.btx g.btl.btx || fail "the index file was not rewritten"
BTRACK_INDEX=never answers g.btl file:/bin/true s
! grep -q index s.be || fail "rewritten index not used as it is: $(cat s.be)"
cmp -s s.f t.f || fail "the rewritten index answers differently (forward)"
cp g.btl g-saved.btl
expect 0 "$BTRACK" gen --events 1000 --seed 4 -o g2.btl
mv g2.btl g.btl
BTRACK_INDEX=never answers g.btl proc:1 s || true
grep -q 'another log' s.be || fail "index of another log not said: $(cat s.be)"
BTRACK_INDEX=always answers g.btl proc:1 s
grep -q 'rebuilt' s.be || fail "index of another log not rebuilt: $(cat s.be)"
BTRACK_INDEX=never answers g.btl proc:1 t
! grep -q index t.be || fail "rebuilt index not used: $(cat t.be)"
cmp -s s.b t.b || fail "the rebuilt index answers differently"
mv g-saved.btl g.btl

# A recorded scenario (tests/data): the same with and without.
if [ -f "$BTRACK_TOP/tests/data/sarmoria.jsonl" ]; then
	expect 0 "$BTRACK" import -o s.btl "$BTRACK_TOP/tests/data/sarmoria.jsonl"
	expect 0 "$BTRACK" log index s.btl
	for spec in $("$BTRACK" log dump s.btl 2>/dev/null |
		      sed -n 's/.*label .* path="\([^"]*\)".*/file:\1/p' |
		      sort -u | head -n 5); do
		BTRACK_INDEX=off answers s.btl "$spec" a || continue
		BTRACK_INDEX=never answers s.btl "$spec" b ||
			fail "$spec fails with the index"
		cmp -s a.b b.b || fail "scenario: backtrack $spec differs"
		cmp -s a.f b.f || fail "scenario: forward $spec differs"
	done
fi
echo "ok: $n damaged copies, stale, scenario"
