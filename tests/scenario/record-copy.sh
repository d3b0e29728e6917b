#!/bin/sh
# record-copy.sh - btrack record on `cat SRC > a; cp a b; rm a`: backtracking
# file b must reach SRC through cat, file a and cp along the result's edges,
# and the filename a (created by the shell's redirection, looked up by cp)
# must lead to cp.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
T=$tmp

"$BTRACK" record --no-pages -o "$T/probe.btl" -- true 2>"$T/err" || {
	cat "$T/err"
	echo "ptrace/seccomp not usable here: $(tail -n 1 "$T/err")"
	exit 77
}

src=/etc/hostname
[ -r "$src" ] || { src=$T/src; echo secret > "$src"; }

# chain JSON STEP... : a directed path through the result graph visits
# nodes matching the steps in order (kind:text matches a node of that kind
# whose path, exe or label ends with text).
chain() {
	python3 - "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
nodes = {n["id"]: n for n in d["nodes"]}
out = {}
for e in d["edges"]:
    out.setdefault(e["from"], set()).add(e["to"])
def match(n, step):
    kind, text = step.split(":", 1)
    if n["kind"] != kind:
        return False
    return any(str(n.get(k) or "").endswith(text)
               for k in ("path", "exe", "label"))
def reach(a, b):
    seen, todo = {a}, [a]
    while todo:
        x = todo.pop()
        if x == b:
            return True
        for y in out.get(x, ()):
            if y not in seen:
                seen.add(y); todo.append(y)
    return False
steps = sys.argv[2:]
cur = [i for i, n in nodes.items() if match(n, steps[0])]
if not cur:
    sys.exit("no node for %s" % steps[0])
for s in steps[1:]:
    nxt = [i for i, n in nodes.items() if match(n, s)]
    if not nxt:
        sys.exit("no node for %s" % s)
    cur = [b for b in nxt if any(reach(a, b) for a in cur)]
    if not cur:
        sys.exit("no path to %s" % s)
PY
}

cd "$T"
"$BTRACK" record -o "$T/log.btl" -- \
	sh -c "cat $src > $T/a; cp $T/a $T/b; rm $T/a" 2>"$T/err"
cat "$T/err"
grep -q '^btrack: recorded [1-9][0-9]* events' "$T/err"
[ "$(cat "$T/b")" = "$(cat "$src")" ]
[ ! -e "$T/a" ]

"$BTRACK" backtrack --log "$T/log.btl" --from "file:$T/b" --format json \
	-o "$T/bt.json"
chain "$T/bt.json" "file:$src" process:/cat "file:$T/a" process:/cp \
	"file:$T/b"
chain "$T/bt.json" "filename:$T/a" process:/cp "file:$T/b"
# the object level, unfiltered, agrees
"$BTRACK" backtrack --log "$T/log.btl" --from "file:$T/b" --no-filters \
	--granularity object --format json -o "$T/bt-obj.json"
chain "$T/bt-obj.json" "file:$src" process:/cat "file:$T/a" \
	process:/cp "file:$T/b"

# an existing log is refused; --force replaces it; --append adds to it
if "$BTRACK" record -o "$T/log.btl" -- true 2>"$T/err"; then
	echo "overwrote an existing log"; exit 1
fi
grep -q "already exists" "$T/err"
"$BTRACK" record --force -o "$T/log.btl" -- true 2>/dev/null
"$BTRACK" record --append -o "$T/log.btl" -- true 2>/dev/null
if "$BTRACK" log verify "$T/log.btl" >/dev/null 2>&1 ||
   ! "$BTRACK" log verify "$T/log.btl" 2>&1 | grep -q "not implemented"; then
	"$BTRACK" log verify "$T/log.btl"
fi
echo ok
