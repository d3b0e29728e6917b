#!/bin/sh
# btrack backtrack / forward: the Sarmoria and Chapin example end to end
# (import, walk, every output format), the options that shape the walk,
# hostile names, and the exit codes for bad specs, usage and corrupt logs.
set -eu
: "${BTRACK:=btrack}"
: "${BTRACK_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

command -v python3 >/dev/null 2>&1 || { echo "python3 is not installed"; exit 77; }

. "$BTRACK_TOP/tests/lib.sh"

# The worked example of Sarmoria and Chapin (tests/data/sarmoria.jsonl):
# T0 process 1 creates process 2; T1 process 2 writes file B; T2 process 2
# writes file C; T3 process 1 reads file A; T4 process 1 creates process 3;
# T5 process 3 reads file B; T6 process 3 writes file X; T7 process 3 reads
# file C; T8 process 1 creates process 4; T9 process 4 writes file D.
cp "$BTRACK_TOP/tests/data/sarmoria.jsonl" "$tmp/s.jsonl"
log=$tmp/s.btl
expect 0 "$BTRACK" import -o "$log" "$tmp/s.jsonl"

# labels FILE: the sorted node labels of a JSON result, one per line, then
# "entry:" and the sorted labels of entry nodes.
labels() {
	python3 - "$1" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["nodes"][0]["id"] == d["detection"], "detection is not n0"
assert d["nodes"][0]["detection"] is True
ids = {n["id"] for n in d["nodes"]}
for e in d["edges"]:
    assert e["from"] in ids and e["to"] in ids, e
    assert e["count"] >= 1 and e["first"] <= e["last"], e
for l in sorted(n["label"] for n in d["nodes"]):
    print(l)
print("entry:", " ".join(sorted(n["label"] for n in d["nodes"] if n["entry"])))
print("truncated:", d["truncated"])
EOF
}

# Backtracking from X: exactly X, process 3, B, process 2, process 1, A.
expect 0 "$BTRACK" backtrack --log "$log" --from file:/X --format json
labels "$tmp/out" >"$tmp/got"
cat >"$tmp/want" <<'EOF'
/A
/B
/X
process [1]
process [2]
process [3]
entry: /A
truncated: False
EOF
diff -u "$tmp/want" "$tmp/got" || fail "backtrack from X"
python3 - "$tmp/out" <<'EOF' || fail "backtrack JSON fields"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["direction"] == "backward" and d["granularity"] == "page"
n = {x["label"]: x for x in d["nodes"]}
assert n["/X"]["kind"] == "file" and n["process [3]"]["pid"] == 3
# X's threshold is the time it was last written (T6), B's when p3 read it.
t6 = 1795255206 * 10**9
assert n["/X"]["threshold"] == t6, n["/X"]
assert n["/B"]["threshold"] == t6 - 10**9, n["/B"]
ops = sorted((e["op"], e["time_text"]) for e in d["edges"])
assert ("write", "2026-11-21T10:00:06Z") in ops, ops
assert not any(e["op"] == "read" and e["time"] == t6 + 10**9 for e in d["edges"]), "C read after X"
EOF

# Forward from A: A, process 1, processes 3 and 4, X and D.
expect 0 "$BTRACK" forward --log "$log" --from file:/A --format json
labels "$tmp/out" >"$tmp/got"
cat >"$tmp/want" <<'EOF'
/A
/D
/X
process [1]
process [3]
process [4]
entry: /D /X
truncated: False
EOF
diff -u "$tmp/want" "$tmp/got" || fail "forward from A"

# Text: the detection point, the entry points at the end, RFC 3339 times.
expect 0 "$BTRACK" backtrack --log "$log" --from file:/X
grep -q '^backtrack from /X' "$tmp/out" || fail "text heading"
grep -q '2026-11-21T10:00:06Z' "$tmp/out" || fail "text times"
sed -n '/^entry points (1):/,$p' "$tmp/out" | grep -q '/A' ||
	fail "text entry points"

# DOT is accepted by dot(1); SVG written to -o (format from the name).
expect 0 "$BTRACK" backtrack --log "$log" --from file:/X --format dot
grep -q '^digraph' "$tmp/out" || fail "not DOT"
if command -v dot >/dev/null 2>&1; then
	dot -Tsvg "$tmp/out" >"$tmp/dot.svg" || fail "dot rejects the DOT"
fi
expect 0 "$BTRACK" backtrack --log "$log" --from file:/X -o "$tmp/g.svg"
[ ! -s "$tmp/out" ] || fail "-o also wrote to stdout"
head -c 5 "$tmp/g.svg" | grep -q '<?xml' || fail "svg header"
grep -q '</svg>' "$tmp/g.svg" || fail "svg end"
grep -q 'process \[3\]' "$tmp/g.svg" || fail "svg labels"
expect 0 "$BTRACK" forward --log "$log" --from proc:1 -o "$tmp/g.png"
printf '\211PNG' | cmp -n 4 - "$tmp/g.png" || fail "png signature"
expect 0 "$BTRACK" backtrack --log "$log" --from file:/X -o "$tmp/r.json"
labels "$tmp/r.json" >/dev/null || fail "json guessed from -o"

# --until before X was written: nothing affected it yet.
expect 0 "$BTRACK" backtrack --log "$log" --from file:/X \
	--until 2026-11-21T10:00:05Z --format json
[ "$(labels "$tmp/out" | head -n 1)" = "/X" ] &&
	[ "$(labels "$tmp/out" | grep -c .)" -eq 3 ] || fail "--until"
# --since after p1 read A: A is out of the window.
expect 0 "$BTRACK" backtrack --log "$log" --from file:/X \
	--since 1795255203.5 --format json
labels "$tmp/out" | grep -q '^/A$' && fail "--since kept A"
labels "$tmp/out" | grep -q '^/B$' || fail "--since lost B"

# A limit: a warning, and the JSON says truncated.
expect 0 "$BTRACK" backtrack --log "$log" --from file:/X --max-nodes 2 \
	--format json
grep -q 'btrack: warning: .*incomplete' "$tmp/err" || fail "no limit warning"
labels "$tmp/out" | grep -q 'truncated: True' || fail "not truncated"
[ "$(labels "$tmp/out" | grep -c '^[/p]')" -eq 2 ] || fail "--max-nodes 2"
expect 0 "$BTRACK" backtrack --log "$log" --from file:/X --max-depth 1
grep -q 'process \[3\]' "$tmp/out" || fail "--max-depth 1 lost p3"
grep -q '/B' "$tmp/out" && fail "--max-depth 1 kept B"

# Granularity: two writers on pages 1 and 5 of a shared file (mapped
# apart), a reader of page 1 writes /out.  Page and vma granularity find
# the page-1 writer only; object granularity both.
cat >"$tmp/p.jsonl" <<'EOF'
{"time": 1, "op": "mmap", "pid": 10, "path": "/dev/shm/s", "shared": true, "prot": "rw", "offset": 0, "length": 8192}
{"time": 2, "op": "mmap", "pid": 11, "path": "/dev/shm/s", "shared": true, "prot": "rw", "offset": 16384, "length": 8192}
{"time": 3, "op": "mmap", "pid": 12, "path": "/dev/shm/s", "shared": true, "prot": "rw", "offset": 0, "length": 8192}
{"time": 4, "op": "page_write", "pid": 10, "path": "/dev/shm/s", "page": 1}
{"time": 5, "op": "page_write", "pid": 11, "path": "/dev/shm/s", "page": 5}
{"time": 6, "op": "page_read", "pid": 12, "path": "/dev/shm/s", "page": 1}
{"time": 7, "op": "write", "pid": 12, "path": "/out"}
EOF
expect 0 "$BTRACK" import -o "$tmp/p.btl" "$tmp/p.jsonl"
for g in page vma object; do
	expect 0 "$BTRACK" backtrack --log "$tmp/p.btl" --from file:/out \
		--granularity $g --format json
	labels "$tmp/out" >"$tmp/$g.labels"
done
grep -qx '/dev/shm/s #1' "$tmp/page.labels" || fail "page label"
grep -qx 'process \[10\]' "$tmp/page.labels" || fail "page: writer of page 1"
grep -qx 'process \[11\]' "$tmp/page.labels" && fail "page: writer of page 5"
grep -qx '/dev/shm/s #0-1' "$tmp/vma.labels" || fail "vma label"
grep -qx 'process \[11\]' "$tmp/vma.labels" && fail "vma: writer of page 5"
grep -qx 'process \[11\]' "$tmp/object.labels" || fail "object: both writers"

# Hostile names cannot reach the terminal or break the DOT.
printf '%s\n' \
 '{"time": 1, "op": "write", "pid": 7, "path": "/tmp/a\n\u001b[2Jb\"c\\d"}' \
 '{"time": 2, "op": "read", "pid": 8, "path": "/tmp/a\n\u001b[2Jb\"c\\d"}' \
 '{"time": 3, "op": "write", "pid": 8, "path": "/out"}' >"$tmp/h.jsonl"
expect 0 "$BTRACK" import -o "$tmp/h.btl" "$tmp/h.jsonl"
expect 0 "$BTRACK" backtrack --log "$tmp/h.btl" --from file:/out
esc=$(printf '\033')
grep -q "$esc" "$tmp/out" && fail "an escape character reached the text"
grep -q 'a\\x0a\\x1b\[2Jb"c\\\\d' "$tmp/out" || fail "hostile name not shown"
if command -v dot >/dev/null 2>&1; then
	expect 0 "$BTRACK" backtrack --log "$tmp/h.btl" --from file:/out \
		--format dot
	dot -Tsvg "$tmp/out" >/dev/null || fail "dot rejects hostile DOT"
fi

# Errors: a spec naming nothing (1), a bad spec, options (2), corrupt (3).
expect 1 "$BTRACK" backtrack --log "$log" --from file:/nope
grep -q "'/nope'" "$tmp/err" || fail "message does not name the file"
expect 1 "$BTRACK" forward --log "$log" --from proc:99
expect 2 "$BTRACK" backtrack --log "$log" --from nonsense
expect 2 "$BTRACK" backtrack --log "$log"
grep -q -- '--from' "$tmp/err" || fail "missing --from not explained"
expect 2 "$BTRACK" backtrack --from file:/X
expect 2 "$BTRACK" backtrack --log "$log" --from file:/X --format gif
expect 2 "$BTRACK" backtrack --log "$log" --from file:/X --granularity x
expect 2 "$BTRACK" backtrack --log "$log" --from file:/X --max-nodes -1
expect 2 "$BTRACK" backtrack --log "$log" --from file:/X --since yesterday
expect 2 "$BTRACK" backtrack --log "$log" --from file:/X extra
expect 1 "$BTRACK" backtrack --log "$tmp/missing.btl" --from file:/X
expect 1 "$BTRACK" backtrack --log "$log" --from file:/X -o "$tmp/no/such/dir.json"
expect 0 "$BTRACK" backtrack -h
grep -q '^usage: btrack backtrack .*--from SPEC' "$tmp/out" ||
	fail "-h usage"

# endpoint:ADDR is every connection to ADDR.  With local addresses
# each connection end is its own endpoint (core/ingest.c); a walk from the
# address starts from all of them, as from the one endpoint per address of
# a log without local addresses: forward, both clients that received from
# 10.0.0.9:80 reach their files; backward, both that sent to it.
cat >"$tmp/ep.jsonl" <<'EOJ'
{"time":10,"op":"read","pid":31,"path":"/e/s1","dev":8,"inode":11}
{"time":11,"op":"read","pid":32,"path":"/e/s2","dev":8,"inode":12}
{"time":20,"op":"connect","pid":31,"remote":"10.0.0.9:80","local":"10.0.0.1:5001"}
{"time":21,"op":"connect","pid":32,"remote":"10.0.0.9:80","local":"10.0.0.1:5002"}
{"time":22,"op":"send","pid":31,"remote":"10.0.0.9:80","local":"10.0.0.1:5001","bytes":3}
{"time":23,"op":"send","pid":32,"remote":"10.0.0.9:80","local":"10.0.0.1:5002","bytes":3}
{"time":24,"op":"recv","pid":31,"remote":"10.0.0.9:80","local":"10.0.0.1:5001","bytes":3}
{"time":25,"op":"recv","pid":32,"remote":"10.0.0.9:80","local":"10.0.0.1:5002","bytes":3}
{"time":30,"op":"write","pid":31,"path":"/e/o1","dev":8,"inode":21}
{"time":31,"op":"write","pid":32,"path":"/e/o2","dev":8,"inode":22}
EOJ
expect 0 "$BTRACK" import -o "$tmp/ep.btl" "$tmp/ep.jsonl"
expect 0 "$BTRACK" db add --db "$tmp/ep.db" "$tmp/ep.btl"
for src in "--log $tmp/ep.btl" "--db $tmp/ep.db"; do
	# shellcheck disable=SC2086
	expect 0 "$BTRACK" forward $src --from endpoint:10.0.0.9:80 \
		--format json
	for f in /e/o1 /e/o2; do
		bt_chain "$tmp/out" endpoint:10.0.0.9:80 file:$f ||
			fail "forward $src from endpoint: $f not reached"
	done
	# shellcheck disable=SC2086
	expect 0 "$BTRACK" backtrack $src --from endpoint:10.0.0.9:80 \
		--format json
	for f in /e/s1 /e/s2; do
		grep -q "\"$f\"" "$tmp/out" ||
			fail "backtrack $src from endpoint: $f not reached"
	done
	python3 - "$tmp/out" <<'PY' || fail "endpoint start: not one node"
import json, sys
d = json.load(open(sys.argv[1]))
assert sum(n["kind"] == "endpoint" for n in d["nodes"]) == 1, d["nodes"]
PY
done

# A log whose capture lost nothing (no drops note): no warning; the text
# header and the JSON say so (scenario/record-hostile.sh: a log with drops).
expect 0 "$BTRACK" backtrack --log "$log" --from file:/X
grep -q 'lost or rejected' "$tmp/err" && fail "drops warned: $(cat "$tmp/err")"
grep -q '^drops: none recorded by the capture$' "$tmp/out" ||
	fail "no drops line in the header"
expect 0 "$BTRACK" backtrack --log "$log" --from file:/X --format json
python3 - "$tmp/out" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))["drops"]
assert d["records"] == 0 and d["causes"] == {} and d["in_span"] is None, d
EOF

# Corrupt: the first record's type (offset 64) becomes 99.
cp "$log" "$tmp/bad.btl"
printf '\143' | dd of="$tmp/bad.btl" bs=1 seek=64 conv=notrunc 2>/dev/null
expect 3 "$BTRACK" backtrack --log "$tmp/bad.btl" --from file:/X
grep -q 'offset 64' "$tmp/err" || fail "corrupt: no offset in '$(cat "$tmp/err")'"
expect 3 "$BTRACK" forward --log "$tmp/bad.btl" --from file:/A

# A torn tail is a warning, not an error.
cp "$log" "$tmp/torn.btl"
printf 'garbage!garbage!garbage!' >>"$tmp/torn.btl"
expect 0 "$BTRACK" backtrack --log "$tmp/torn.btl" --from file:/X
grep -q '^btrack: warning: ' "$tmp/err" || fail "torn tail: no warning"
grep -q 'process \[3\]' "$tmp/out" || fail "torn tail: wrong result"
echo ok
