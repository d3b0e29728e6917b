#!/bin/sh
# What issue 8 added to the log shows in every output (text, DOT, JSON):
# symlink, chmod and chown edges, a process's credential changes
# ("uid 1000 -> 0 at T"), pipes as pipes and never entry points, and
# several files under one path told apart (version and inode).
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
B=${BTRACK:?}
. "$BTRACK_TOP/tests/lib.sh"
cd "$tmp"

ev() { printf '{"time": %s, %s}\n' "$1" "$2"; }
{
	ev 100 '"op": "exec", "pid": 10, "path": "/usr/bin/sudo", "uid": 1000, "euid": 1000'
	ev 101 '"op": "setid", "pid": 10, "uid": 0, "euid": 0'
	ev 102 '"op": "write", "pid": 10, "path": "/srv/payload", "inode": 50, "dev": 8'
	ev 103 '"op": "chmod", "pid": 10, "path": "/srv/payload", "mode": "0755", "inode": 50, "dev": 8'
	ev 104 '"op": "chown", "pid": 10, "path": "/srv/payload", "owner": 0, "inode": 50, "dev": 8'
	ev 105 '"op": "symlink", "pid": 10, "path": "/srv/run", "target": "payload"'
	ev 106 '"op": "pipe", "pid": 10, "path": "pipe:[777]", "inode": 777, "dev": 9, "kind": "pipe"'
	ev 107 '"op": "write", "pid": 10, "path": "pipe:[777]", "inode": 777, "dev": 9, "kind": "pipe"'
	ev 108 '"op": "read", "pid": 20, "path": "pipe:[777]", "inode": 777, "dev": 9, "kind": "pipe"'
	ev 109 '"op": "write", "pid": 20, "path": "/srv/out", "inode": 60, "dev": 8'
	ev 110 '"op": "read", "pid": 30, "path": "pipe:[778]", "inode": 778, "dev": 9, "kind": "pipe"'
	ev 111 '"op": "write", "pid": 30, "path": "/srv/out2", "inode": 61, "dev": 8'
	ev 120 '"op": "write", "pid": 40, "path": "/srv/conf", "inode": 70, "dev": 8'
	ev 121 '"op": "unlink", "pid": 40, "path": "/srv/conf"'
	ev 122 '"op": "write", "pid": 40, "path": "/srv/conf", "inode": 71, "dev": 8'
} >ev.jsonl
"$B" import -o case.btl ev.jsonl 2>/dev/null

# chmod, chown: process -> file, in text, DOT and JSON.
"$B" backtrack --log case.btl --from file:/srv/payload --no-filters >t.out 2>/dev/null
grep -q '<- chmod .*sudo \[10\]' t.out || fail "no chmod edge: $(cat t.out)"
grep -q '<- chown .*sudo \[10\]' t.out || fail "no chown edge"
"$B" backtrack --log case.btl --from file:/srv/payload --no-filters --format dot >t.dot 2>/dev/null
grep -q 'op="*[a-z_,]*chmod' t.dot && grep -q 'op="*[a-z_,]*chown' t.dot || fail "DOT lacks chmod/chown"
"$B" backtrack --log case.btl --from file:/srv/payload --no-filters --format json -o t.json 2>/dev/null
python3 - t.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ops = {e["op"] for e in d["edges"]}
assert {"chmod", "chown", "write"} <= ops, ops
p = [n for n in d["nodes"] if n["kind"] == "process"][0]
c = p["credentials"]
assert c and c[0]["uid"] == 0 and c[0]["euid"] == 0, c
assert "uid 1000 -> 0" in c[0]["change"] and "euid 1000 -> 0" in c[0]["change"], c
PY
# Credentials in text and DOT.
grep -q 'credentials: uid 1000 -> 0, euid 1000 -> 0 at ' t.out || fail "no credential change in text: $(cat t.out)"
grep -q 'credentials="uid 1000 -> 0' t.dot || fail "no credential change in DOT"

# symlink: a backtrack from the link finds who made it.
"$B" backtrack --log case.btl --from filename:/srv/run --no-filters >s.out 2>/dev/null
grep -q '<- symlink .*sudo \[10\]' s.out || fail "no symlink edge: $(cat s.out)"

# Pipes: shown as pipes, never entry points (even one nobody wrote).
"$B" backtrack --log case.btl --from file:/srv/out --no-filters --format json -o p.json 2>/dev/null
bt_chain p.json process:/sudo "file:pipe:[777]" "file:/srv/out"
python3 - p.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
p = [n for n in d["nodes"] if n.get("pipe")]
assert p and not any(n["entry"] for n in p), p
assert p[0]["label"] == "pipe 777", p[0]["label"]
PY
"$B" backtrack --log case.btl --from file:/srv/out2 >p2.out 2>/dev/null
grep -q 'pipe read by .*  (pipe, intermediate, until' p2.out || fail "pipe 778: $(cat p2.out)"
! sed -n '/^entry points/,$p' p2.out | grep -q 'pipe' || fail "a pipe listed as an entry point"
"$B" backtrack --log case.btl --from file:/srv/out --format dot 2>/dev/null | grep -q 'shape=cds' || fail "DOT pipe shape"

# Two files under /srv/conf: version and inode in text, JSON fields.
"$B" backtrack --log case.btl --from file:/srv/conf >c.out 2>/dev/null
grep -q '#2 of 2 under this path, inode 8:71' c.out || fail "version: $(cat c.out)"
"$B" backtrack --log case.btl --from file:/srv/conf --format json 2>/dev/null >c.json
python3 -c 'import json,sys; n=json.load(open(sys.argv[1]))["nodes"][0]; assert (n["version"], n["versions"]) == (2, 2), n' c.json
echo ok
