#!/bin/sh
# btrack backtrack/forward: filters (--filters, --no-filters, --hide,
# --explain) and IDS alerts (--alert) as a user runs them.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
B=${BTRACK:?}
cd "$tmp"

ev() { printf '{"time": %s, %s}\n' "$1" "$2"; }
{
	ev 100 '"op": "exec", "pid": 10, "path": "/usr/bin/curl"'
	ev 101 '"op": "read", "pid": 10, "path": "/lib/libc.so.6"'
	ev 102 '"op": "recv", "pid": 10, "remote": "203.0.113.9:4444"'
	ev 103 '"op": "create", "pid": 10, "path": "/tmp/evil"'
	ev 104 '"op": "write", "pid": 10, "path": "/tmp/evil"'
	ev 110 '"op": "exec", "pid": 20, "path": "/usr/bin/python3"'
	ev 111 '"op": "read", "pid": 20, "path": "/lib/libc.so.6"'
	ev 117 '"op": "read", "pid": 20, "path": "/tmp/evil"'
	ev 118 '"op": "read", "pid": 20, "path": "/etc/secret"'
	ev 119 '"op": "read", "pid": 20, "path": "/dev/tty1"'
	ev 121 '"op": "create", "pid": 20, "path": "/srv/out"'
	ev 122 '"op": "write", "pid": 20, "path": "/srv/out"'
	ev 130 '"op": "read", "pid": 30, "path": "/lib/libc.so.6"'
	ev 200 '"op": "write", "pid": 20, "path": "/srv/out"'
} >events.jsonl
"$B" import -o case.btl events.jsonl 2>/dev/null

labels() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("\n".join(n["label"] for n in d["nodes"]))' "$1"; }

# Default filters: libc (read by three processes) and the terminal go; the
# secret (one reader) and the attack path stay; stderr gives the sizes.
"$B" backtrack --log case.btl --from file:/srv/out --format json -o f.json 2>err
labels f.json >f.txt
! grep -qx '/lib/libc.so.6' f.txt
grep -qx '/etc/secret' f.txt
grep -qx '203.0.113.9:4444' f.txt
grep -q 'after filters' err
python3 - f.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
f = d["filters"]
assert f["before"]["nodes"] > f["after"]["nodes"] == len(d["nodes"]), f
assert {r["filter"] for r in f["removed"]} >= {"runtime", "noise"}, f
assert any(r["label"] == "/lib/libc.so.6" for r in f["removed"]), f
PY

# --no-filters shows everything.
"$B" backtrack --log case.btl --from file:/srv/out --no-filters --format json -o all.json 2>/dev/null
labels all.json | grep -qx '/lib/libc.so.6'
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["filters"]["removed"] == []' all.json

# --explain lists what was removed in the text output.
"$B" backtrack --log case.btl --from file:/srv/out --explain >t.txt 2>/dev/null
grep -q 'filters removed' t.txt
grep -E '^  - runtime +/lib/libc.so.6' t.txt

# --hide of a leaf removes it; of the only link to the entry, keeps it.
"$B" backtrack --log case.btl --from file:/srv/out --hide '/etc/sec*' --format json -o h.json 2>/dev/null
! labels h.json | grep -qx '/etc/secret'
"$B" backtrack --log case.btl --from file:/srv/out --hide '*curl*' --hide '/tmp/evil' --format json -o h2.json 2>/dev/null
labels h2.json | grep -qx '203.0.113.9:4444'

# Unknown filter: usage error.
set +e
"$B" backtrack --log case.btl --from file:/srv/out --filters bogus 2>err; rc=$?
set -e
[ $rc -eq 2 ] && grep -q "unknown filter 'bogus'" err

# --alert: a Falco alert at t=150 ns: the write at 200 is after it.
cat >falco.json <<'J'
{"output":"x","priority":"Error","rule":"Write below srv","time":"1970-01-01T00:00:00.000000150Z","output_fields":{"fd.name":"/srv/out","proc.pid":20,"evt.time":150}}
J
"$B" backtrack --log case.btl --alert falco.json --format json -o a.json 2>/dev/null
python3 - a.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["until"] == 150, d["until"]
assert all(e["last"] <= 150 for e in d["edges"]), d["edges"]
PY
echo '{"object": "file:/srv/out"}' | "$B" backtrack --log case.btl --alert - --format json -o g.json 2>/dev/null
labels g.json | grep -qx '203.0.113.9:4444'

# Several alerts: one result each in -o DIR, each bounded by its time;
# without a directory, a usage error.
cat >two.json <<'J'
[{"object": "file:/srv/out", "time": "1970-01-01T00:00:00.000000150Z"},
 {"object": "file:/tmp/evil"}]
J
"$B" backtrack --log case.btl --alert two.json -o res >list 2>/dev/null
[ "$(wc -l <list)" -eq 2 ]
python3 - res <<'PY'
import json, os, sys
files = sorted(f for f in os.listdir(sys.argv[1]) if f.endswith(".json"))
assert len(files) == 2, files
first = json.load(open(os.path.join(sys.argv[1], files[0])))
assert first["until"] == 150, first["until"]
PY
set +e
"$B" backtrack --log case.btl --alert two.json 2>err; rc=$?
set -e
[ $rc -eq 2 ] && grep -q 'give -o DIR' err

# A bad alert: exit 3 with the line.
printf '{"object": "file:/srv/out"}\n{"object": 7}\n' >bad.json
set +e
"$B" backtrack --log case.btl --alert bad.json 2>err; rc=$?
set -e
[ $rc -eq 3 ] && grep -q 'bad.json:2:' err
# --from and --alert together: usage.
set +e
"$B" backtrack --log case.btl --alert falco.json --from proc:20 2>/dev/null; rc=$?
set -e
[ $rc -eq 2 ]
echo ok
