#!/bin/sh
# record-copy.sh - btrack record on `cat SRC > a; cp a b; rm a`: backtracking
# file b must reach SRC through cat, file a and cp along the result's edges,
# and the filename a (created by the shell's redirection, looked up by cp)
# must lead to cp.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
T=$tmp

. "$BTRACK_TOP/tests/lib.sh"
bt_need_record

src=/etc/hostname
[ -r "$src" ] || { src=$T/src; echo secret > "$src"; }


cd "$T"
"$BTRACK" record -o "$T/log.btl" -- \
	sh -c "cat $src > $T/a; cp $T/a $T/b; rm $T/a" 2>"$T/err"
cat "$T/err"
grep -q '^btrack: recorded [1-9][0-9]* events' "$T/err"
[ "$(cat "$T/b")" = "$(cat "$src")" ]
[ ! -e "$T/a" ]

"$BTRACK" backtrack --log "$T/log.btl" --from "file:$T/b" --format json \
	-o "$T/bt.json"
bt_chain "$T/bt.json" "file:$src" process:/cat "file:$T/a" process:/cp \
	"file:$T/b"
bt_chain "$T/bt.json" "filename:$T/a" process:/cp "file:$T/b"
# the object level, unfiltered, agrees
"$BTRACK" backtrack --log "$T/log.btl" --from "file:$T/b" --no-filters \
	--granularity object --format json -o "$T/bt-obj.json"
bt_chain "$T/bt-obj.json" "file:$src" process:/cat "file:$T/a" \
	process:/cp "file:$T/b"

# an existing log is refused; --force replaces it; --append adds to it
if "$BTRACK" record -o "$T/log.btl" -- true 2>"$T/err"; then
	echo "overwrote an existing log"; exit 1
fi
grep -q "already exists" "$T/err"
"$BTRACK" record --force -o "$T/log.btl" -- true 2>/dev/null
"$BTRACK" record --append -o "$T/log.btl" -- true 2>/dev/null
"$BTRACK" log verify "$T/log.btl"
echo ok
