#!/bin/sh
# record-mmap.sh - page-level recording of a shared file mapping: a writer
# of page 1, a writer of page 5 and a reader of page 1 that writes OUT, all
# through MAP_SHARED mappings of one file (tests/progs/record-mmap.c).
# Backtracking OUT at page granularity finds the page-1 writer and not the
# page-5 writer; at object granularity it finds both (the false dependency
# page monitoring removes).  Needs the page monitor (libbtrack-pages.so).
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
T=$tmp
B=${B:-build}
prog=$BTRACK_TOP/$B/progs/record-mmap

[ -x "$prog" ] || { echo "$prog not built (make tests-build)"; exit 77; }
. "$BTRACK_TOP/tests/lib.sh"
bt_need_record pages

# writers: which "record-mmap FILE write N" processes a result holds
writers() {
	python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
w = sorted(n["argv"][3] for n in d["nodes"]
           if n["kind"] == "process" and len(n.get("argv") or []) == 5
           and n["argv"][2] == "write")
print(" ".join(w))
PY
}

cd "$T"
head -c 32768 /dev/zero > shared
"$BTRACK" record -o "$T/log.btl" -- sh -c "
	$prog shared write 1 A && $prog shared write 5 B &&
	$prog shared read 1 out" 2>"$T/err"
cat "$T/err"
[ "$(head -c 4 out)" = AAAA ]
grep -q ' [1-9][0-9]* pages' "$T/err"

"$BTRACK" backtrack --log log.btl --from "file:$T/out" --format json \
	-o page.json
"$BTRACK" backtrack --log log.btl --from "file:$T/out" --granularity object \
	--format json -o object.json
echo "page granularity: writers $(writers page.json)"
echo "object granularity: writers $(writers object.json)"
[ "$(writers page.json)" = "1" ]
[ "$(writers object.json)" = "1 5" ]

# --slice is passed on; --no-pages records the same run at object level
"$BTRACK" record --slice 1 -o "$T/slice.btl" -- $prog shared read 5 out5 \
	2>"$T/err"
[ "$(head -c 4 out5)" = BBBB ]
"$BTRACK" record --no-pages -o "$T/nopages.btl" -- sh -c "
	$prog shared write 1 C && $prog shared write 5 D &&
	$prog shared read 1 out2" 2>"$T/err"
grep -q ' 0 pages' "$T/err"
"$BTRACK" backtrack --log nopages.btl --from "file:$T/out2" --format json \
	-o nopages.json
[ "$(writers nopages.json)" = "1 5" ]
echo ok
