#!/bin/sh
# btrack backtrack/forward --format html: one self-contained report.
# Without a browser: the page needs nothing from the network, only its own
# script may run, its data is escaped JSON that says what the JSON output
# says, hostile names cannot end the data element.  In headless Chromium
# (python3-selenium, chromium-driver; tests/html/check_report.py): real
# recordings' reports show every object, a click shows its details, the
# timeline highlights, search and zoom work, hostile names are text and
# never run, the console stays clean; screenshots are kept in
# build/test-logs/ (html-report.png, html-demo.png, html-hostile-import.png).
# Exit 77 when no browser can run here.
set -eu
: "${BTRACK:=btrack}"
: "${BTRACK_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
tmp=$(mktemp -d)
T=$tmp
trap 'rm -rf "$tmp"' EXIT

. "$BTRACK_TOP/tests/lib.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3) ||
	{ echo "python3 is not installed"; exit 77; }
logs=$BTRACK_TOP/${B:-build}/test-logs
mkdir -p "$logs"

# static REPORT RESULT: the page without a browser.
static() {
	"$PY" - "$1" "$2" <<'EOF'
import json, re, sys
page = open(sys.argv[1], encoding="utf-8").read()
res = json.load(open(sys.argv[2]))
assert page.startswith("<!DOCTYPE html>"), page[:40]
csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"',
                page)
assert csp, "no Content-Security-Policy"
pol = dict((d.split()[0], d.split()[1:]) for d in csp.group(1).split(";")
           if d.strip())
assert pol["default-src"] == ["'none'"], pol
nonce = re.fullmatch(r"'nonce-([0-9a-f]{32})'", pol["script-src"][0])
assert nonce and len(pol["script-src"]) == 1, pol["script-src"]
# Two script elements: the data, and the code with the nonce.
tags = re.findall(r"<script[^>]*>", page, re.I)
assert tags == ['<script type="application/json" id="bt-data">',
                '<script nonce="%s">' % nonce.group(1)], tags
# The data: no markup character at all, and the result's objects.
m = re.search(r'<script type="application/json" id="bt-data">(.*?)</script>',
              page, re.S)
raw = m.group(1)
# Nothing to fetch: outside the data (where URLs are text, e.g. a
# command line), the only URLs are the SVG and XLink namespace names.
code = page[:m.start(1)] + page[m.end(1):]
urls = set(re.findall(r"https?://[^\s\"'\\]*", code))
assert urls <= {"http://www.w3.org/2000/svg",
                "http://www.w3.org/1999/xlink"}, urls
refs = re.findall(r"\b(?:src|href)\s*=\s*\"([^\"]*)\"", code)
assert all(r.startswith("data:") for r in refs), refs
assert not set(raw) & set("<>&"), "markup characters in the data"
d = json.loads(raw)
assert [n["label"] for n in d["nodes"]] == \
    [n["label"] for n in res["nodes"]], "labels differ"
assert [(e["from"], e["to"], e["op"], e["count"]) for e in d["edges"]] == \
    [(int(e["from"][1:]), int(e["to"][1:]), e["op"], e["count"])
     for e in res["edges"]], "edges differ"
assert d["svg"] and d["svg"].startswith("<svg"), d.get("svg_note")
print(len(d["nodes"]), len(d["edges"]))
EOF
}

# The worked example, by format name and by file name.
cp "$BTRACK_TOP/tests/data/sarmoria.jsonl" "$tmp/s.jsonl"
log=$tmp/s.btl
expect 0 "$BTRACK" import -o "$log" "$tmp/s.jsonl"
expect 0 "$BTRACK" backtrack --log "$log" --from file:/X --format json \
	-o "$tmp/x.json"
expect 0 "$BTRACK" backtrack --log "$log" --from file:/X --format html
cp "$tmp/out" "$tmp/stdout.html"
expect 0 "$BTRACK" backtrack --log "$log" --from file:/X -o "$tmp/x.html"
expect 0 "$BTRACK" backtrack --log "$log" --from file:/X -o "$tmp/x.HTM"
for f in stdout.html x.html x.HTM; do
	[ "$(static "$tmp/$f" "$tmp/x.json")" = "6 6" ] || fail "$f"
done
# Reports of one result differ only by their nonce.
sed 's/nonce-*[=0-9a-f"]*[0-9a-f]\{32\}/NONCE/g' "$tmp/x.html" >"$tmp/a"
sed 's/nonce-*[=0-9a-f"]*[0-9a-f]\{32\}/NONCE/g' "$tmp/x.HTM" >"$tmp/b"
cmp -s "$tmp/a" "$tmp/b" || fail "two reports of one result differ"
cmp -s "$tmp/x.html" "$tmp/x.HTM" && fail "the nonce does not change"
expect 0 "$BTRACK" forward --log "$log" --from file:/A --format json \
	-o "$tmp/fa.json"
expect 0 "$BTRACK" forward --log "$log" --from file:/A -o "$tmp/fa.html"
static "$tmp/fa.html" "$tmp/fa.json" >/dev/null || fail "forward report"
# A write error (a file size limit of 4 KiB; the report is larger) is an
# error, and the half-written report is removed.
set +e
(trap '' XFSZ; ulimit -f 4; exec "$BTRACK" backtrack --log "$log" \
	--from file:/X -o "$tmp/small.html") 2>"$tmp/err"
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "a write error exits $rc: $(cat "$tmp/err")"
grep -q 'cannot write the HTML report' "$tmp/err" || fail "$(cat "$tmp/err")"
[ ! -e "$tmp/small.html" ] || fail "a half-written report is left"

# Hostile names that try to end the data element and run.
printf '%s\n' \
 '{"time": 1, "op": "write", "pid": 7, "path": "/tmp/</script><script>alert(1)</script>\n\u001b[2J\"'"'"'&amp;"}' \
 '{"time": 2, "op": "read", "pid": 8, "path": "/tmp/</script><script>alert(1)</script>\n\u001b[2J\"'"'"'&amp;"}' \
 '{"time": 3, "op": "exec", "pid": 8, "path": "/tmp/<img src=x onerror=alert(2)>"}' \
 '{"time": 4, "op": "write", "pid": 8, "path": "/out"}' >"$tmp/h.jsonl"
log=$tmp/h.btl
expect 0 "$BTRACK" import -o "$log" "$tmp/h.jsonl"
expect 0 "$BTRACK" backtrack --log "$log" --from file:/out --format json \
	-o "$tmp/h.json"
expect 0 "$BTRACK" backtrack --log "$log" --from file:/out -o "$tmp/h.html"
static "$tmp/h.html" "$tmp/h.json" >/dev/null || fail "hostile report"
grep -q '</script><script>alert' "$tmp/h.json" ||
	fail "the hostile name is not in the result"
pages="$tmp/x.html $tmp/x.json -"
pages="$pages $tmp/h.html $tmp/h.json $logs/html-hostile-import.png"

# Real programs under btrack record: a copy, and names made to break HTML
# (quotes, a newline, a byte that is not UTF-8, markup).
if "$BTRACK" record --no-pages -o "$tmp/probe.btl" -- true 2>"$tmp/err"; then
	mkdir -p "$tmp/w/<script>alert(3)<"
	cat >"$tmp/w/run.sh" <<'EOF'
cat /etc/hostname > 'w/<script>alert(3)</script>'
n=$(printf 'q"'"'"'uote\nline\377<img src=x onerror=alert(4)>')
cat 'w/<script>alert(3)</script>' > "w/$n"
cat "w/$n" > w/out
EOF
	log=$tmp/rec.btl
	(cd "$tmp" && "$BTRACK" record -o "$log" -- sh w/run.sh) \
		>"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; fail "record"; }
	for g in page object; do
		expect 0 "$BTRACK" backtrack --log "$log" --from "file:$tmp/w/out" \
			--granularity $g --format json -o "$tmp/rec-$g.json"
		expect 0 "$BTRACK" backtrack --log "$log" --from "file:$tmp/w/out" \
			--granularity $g -o "$tmp/rec-$g.html"
		static "$tmp/rec-$g.html" "$tmp/rec-$g.json" >/dev/null ||
			fail "recorded report ($g)"
	done
	pages="$pages $tmp/rec-page.html $tmp/rec-page.json $logs/html-report.png"
	hostile="<script>alert(3)</script>"
else
	echo "btrack record does not work here: real programs skipped"
	hostile=""
fi

# The demo (tests/demo.sh, `make demo`) in a directory of its own: the
# report it writes.
if [ -n "$hostile" ]; then
	BTRACK_DEMO_OUT=$tmp/demo sh "$BTRACK_TOP/tests/demo.sh" \
		>"$tmp/demo.log" 2>&1 || { cat "$tmp/demo.log"; fail "make demo"; }
	[ "$(static "$tmp/demo/attack.html" "$tmp/demo/attack.json")" != "" ] ||
		fail "the demo's report"
	pages="$pages $tmp/demo/attack.html $tmp/demo/attack.json $logs/html-demo.png"
fi

# In a real browser.
"$PY" -c 'import selenium' 2>/dev/null || {
	echo "python3-selenium is not installed (tests/deps.sh installs it)"
	exit 77
}
command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 || {
	echo "chromium and chromium-driver are not installed (tests/deps.sh installs them)"
	exit 77
}
set -- --hostile "</script><script>alert(1)</script>" \
	--hostile "<img src=x onerror=alert(2)>"
[ -n "$hostile" ] && set -- "$@" --hostile "$hostile" \
	--hostile "<img src=x onerror=alert(4)>"
# shellcheck disable=SC2086
"$PY" "$BTRACK_TOP/tests/html/check_report.py" "$@" $pages
