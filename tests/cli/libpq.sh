#!/bin/sh
# libpq is opened only for a PostgreSQL case database (core/pqdl.c): the
# binary does not link it, every other command runs without it, and a
# PostgreSQL database without a libpq to open is a clear error (exit 1)
# naming the Debian package, not a crash.
set -eu
: "${BTRACK:=btrack}"
: "${BTRACK_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. "$BTRACK_TOP/tests/lib.sh"

if command -v ldd >/dev/null 2>&1; then
	ldd "$(command -v "$BTRACK")" >"$tmp/ldd" 2>&1 || true
	if grep -q 'libpq' "$tmp/ldd"; then
		fail "the binary links libpq: $(grep libpq "$tmp/ldd")"
	fi
fi

# No libpq to open: a log and an sqlite case still work ...
cp "$BTRACK_TOP/tests/data/sarmoria.jsonl" "$tmp/s.jsonl"
export BTRACK_LIBPQ="$tmp/no-such-libpq.so.5"
expect 0 "$BTRACK" import -o "$tmp/s.btl" "$tmp/s.jsonl"
expect 0 "$BTRACK" db add --db "$tmp/case.db" "$tmp/s.btl"
expect 0 "$BTRACK" db info --db "$tmp/case.db"

# ... and a PostgreSQL one says what is missing.
for cmd in "db info" "db add" "backtrack"; do
	case $cmd in
	"db add") set -- db add --db postgresql:///nosuchdb "$tmp/s.btl" ;;
	backtrack) set -- backtrack --db postgresql:///nosuchdb \
			--from file:/etc/passwd ;;
	*) set -- db info --db postgresql:///nosuchdb ;;
	esac
	expect 1 "$BTRACK" "$@"
	grep -q 'libpq5' "$tmp/err" ||
		fail "$cmd: the error does not name libpq5: $(cat "$tmp/err")"
	grep -q 'no-such-libpq' "$tmp/err" ||
		fail "$cmd: the error does not say why: $(cat "$tmp/err")"
done
echo "libpq: not linked; a missing libpq is a clear error"
