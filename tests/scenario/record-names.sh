#!/bin/sh
# record-names.sh - names, attributes and credentials under btrack record,
# with real programs (issue 8, items 1, 6, 8, 10 and 12):
#  - `cat secret > t; mv t a; cp a b`: a backtrack from b reaches secret
#    through cat, the renamed file and cp; from a it reaches cat; a forward
#    walk from secret reaches b;
#  - `ln -s`: a backtrack from the link reaches ln;
#  - chmod and chown change the file: a backtrack from it reaches them;
#  - as root, setpriv to another uid: the credential change is in the log;
#  - the page monitor library is no object of the result;
#  - the log and the case database give the same answer.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
T=$tmp
B=${B:-build}
. "$BTRACK_TOP/tests/lib.sh"
bt_need_record pages
command -v python3 >/dev/null 2>&1 || { echo "no python3"; exit 77; }

# labels JSON: every node's label, path and exe, one a line
labels() {
	python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for n in d["nodes"]:
    print(n["kind"], n.get("label") or "", n.get("path") or "",
          n.get("exe") or "")
PY
}

cd "$T"
echo "== rename keeps the file"
echo s3cret > secret
"$BTRACK" record -o ren.btl -- sh -c 'cat secret > t; mv t a; cp a b' \
	2>err || { cat err; fail "record"; }
grep -q "refused" err && { cat err; fail "observations refused"; }
[ "$(cat b)" = s3cret ] || fail "cp did not copy"
"$BTRACK" backtrack --log ren.btl --from "file:$T/b" --format json \
	-o b.json 2>/dev/null
bt_chain b.json "file:$T/secret" process:/cat "file:$T/a" process:/cp \
	"file:$T/b" || fail "backtrack from b misses secret"
"$BTRACK" backtrack --log ren.btl --from "file:$T/a" --format json \
	-o a.json 2>/dev/null
bt_chain a.json "file:$T/secret" process:/cat "file:$T/a" ||
	fail "backtrack from a misses its writer"
"$BTRACK" forward --log ren.btl --from "file:$T/secret" --format json \
	-o f.json 2>/dev/null
bt_chain f.json "file:$T/secret" process:/cat process:/cp "file:$T/b" ||
	fail "forward from secret stops before b"
labels b.json > b.txt
grep -q libbtrack-pages b.txt && fail "the page monitor is in the result"
# the case database agrees with the log
"$BTRACK" db add --db case.db ren.btl >/dev/null 2>&1 || fail "db add"
"$BTRACK" backtrack --db case.db --from "file:$T/b" --format json \
	-o bdb.json 2>/dev/null || fail "backtrack --db"
bt_chain bdb.json "file:$T/secret" process:/cat "file:$T/a" process:/cp \
	"file:$T/b" || fail "the case database disagrees with the log"

echo "== rename, chmod, exec: the program run is the file cp wrote"
printf '#!/bin/sh\ncat payload-data > "$1"\n' > payload
echo "exfil" > payload-data
"$BTRACK" record -o rce.btl -- sh -c \
	'cp payload .part; mv .part run.sh; chmod +x run.sh; ./run.sh out' \
	2>err || { cat err; fail "record"; }
[ "$(cat out)" = exfil ] || fail "run.sh did not run"
"$BTRACK" backtrack --log rce.btl --from "file:$T/out" --format json \
	-o rce.json 2>/dev/null
bt_chain rce.json "file:$T/payload" process:/cp "file:$T/run.sh" \
	"file:$T/out" ||
	{ labels rce.json; fail "the program run is not the file cp wrote"; }
python3 - rce.json "$T/run.sh" <<'PY' || fail "run.sh is not executed"
import json, sys
d = json.load(open(sys.argv[1]))
ids = {n["id"] for n in d["nodes"] if n.get("path") == sys.argv[2]}
assert any(e["from"] in ids and e["op"] == "exec" for e in d["edges"]), \
    [e for e in d["edges"] if e["from"] in ids]
PY
bt_chain rce.json process:/chmod "file:$T/run.sh" ||
	fail "chmod +x of the program is not in the result"
"$BTRACK" db add --db rce.db rce.btl >/dev/null 2>&1 || fail "db add"
"$BTRACK" backtrack --db rce.db --from "file:$T/out" --format json \
	-o rcedb.json 2>/dev/null || fail "backtrack --db"
bt_chain rcedb.json "file:$T/payload" process:/cp "file:$T/run.sh" \
	"file:$T/out" || fail "the case database disagrees with the log"

echo "== a redirection, then many children: no invented writes"
"$BTRACK" record -o redir.btl -- sh -c 'echo x > r; i=0
	while [ $i -lt 10 ]; do cat r > /dev/null; i=$((i + 1)); done
	mv r r2' 2>err || { cat err; fail "record"; }
"$BTRACK" backtrack --log redir.btl --from "file:$T/r2" --no-filters \
	--format json -o redir.json 2>/dev/null
python3 - redir.json <<'PY' || fail "a later child is blamed for r2"
import json, sys
d = json.load(open(sys.argv[1]))
cats = [n for n in d["nodes"] if n["kind"] == "process" and
        (n.get("exe") or "").endswith("/cat")]
assert not cats, "cat processes in the result: %s" % [n["label"] for n in cats]
PY

echo "== symlink"
"$BTRACK" record -o ln.btl -- sh -c 'ln -s secret l; cat l > o1' 2>err ||
	{ cat err; fail "record"; }
"$BTRACK" backtrack --log ln.btl --from "file:$T/l" --no-filters \
	--format json -o l.json 2>/dev/null ||
	fail "no object for the link l"
bt_chain l.json process:/ln "file:$T/l" ||
	{ labels l.json; fail "backtrack from the link misses ln"; }
"$BTRACK" backtrack --log ln.btl --from "file:$T/o1" --format json \
	-o o1.json 2>/dev/null
bt_chain o1.json "file:$T/secret" process:/cat "file:$T/o1" ||
	fail "reading through the link lost the target"

echo "== chmod, chown"
cp secret c
"$BTRACK" record -o ch.btl -- sh -c "chmod 600 c; chown $(id -u):$(id -g) c" \
	2>err || { cat err; fail "record"; }
"$BTRACK" backtrack --log ch.btl --from "file:$T/c" --no-filters \
	--format json -o c.json 2>/dev/null
bt_chain c.json process:/chmod "file:$T/c" || fail "chmod not recorded"
bt_chain c.json process:/chown "file:$T/c" || fail "chown not recorded"

echo "== credentials"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	"$BTRACK" record -o id.btl -- setpriv --reuid=65534 --regid=65534 \
		--clear-groups sh -c 'cat /dev/null' 2>err ||
		{ cat err; fail "record"; }
	"$BTRACK" log dump id.btl > id.txt 2>/dev/null
	grep -q "uid=65534 euid=65534 gid=65534 egid=65534" id.txt ||
		{ grep -i cred id.txt; fail "no credential change in the log"; }
	grep -q "uid=0 euid=0" id.txt || fail "no first credentials"
else
	echo "skip credentials (needs root and setpriv)"
fi
echo ok
