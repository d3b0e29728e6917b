#!/bin/sh
# btrack backtrack/forward --format prov-json: every result this test can
# produce (the worked example, names renamed and linked, hostile names, a
# generated log with its planted attack, real programs under btrack record,
# the demo's log when `make demo` left one) loads with the Python `prov`
# package (Debian python3-prov) as W3C PROV-JSON, with as many activities
# as the result has processes, an entity for every other object, an agent
# per user id, and one relation per dependency of the type the mapping in
# btrack-backtrack(1) gives; plus a few relations checked by hand.
set -eu
: "${BTRACK:=btrack}"
: "${BTRACK_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
tmp=$(mktemp -d)
T=$tmp
trap 'rm -rf "$tmp"' EXIT

. "$BTRACK_TOP/tests/lib.sh"

# Debian's python3, which python3-prov is installed for (a version
# manager's shim in PATH would not see it).
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 || echo python3)
"$PY" -c 'import prov.model' 2>/dev/null || {
	echo "python3-prov is not installed (tests/deps.sh installs it)"
	exit 77
}

# provcheck RESULT.json RESULT.prov.json ...: each PROV document says what
# its JSON result says.  Prints "activities entities agents" and the
# relation counts of each, for the checks by hand.
provcheck() {
	"$PY" - "$@" <<'EOF'
import json, sys
import prov.model as pm

def check(result, provpath):
    res = json.load(open(result))
    text = open(provpath, encoding="utf-8").read()
    raw = json.loads(text)                  # strict JSON, valid UTF-8
    assert raw["prefix"].get("btrack"), raw["prefix"]
    doc = pm.ProvDocument.deserialize(content=text, format="json")

    nodes = res["nodes"]
    qid = lambda i: "btrack:" + i
    kinds = {n["id"]: n["kind"] for n in nodes}
    recs = list(doc.get_records())
    def of(cls):
        return {str(r.identifier): r for r in recs if type(r) is cls}

    acts, ents, agents = (of(pm.ProvActivity), of(pm.ProvEntity),
                          of(pm.ProvAgent))
    want_acts = {qid(n["id"]) for n in nodes if n["kind"] == "process"}
    want_ents = {qid(n["id"]) for n in nodes if n["kind"] != "process"}
    assert set(acts) == want_acts, (sorted(acts), sorted(want_acts))
    assert set(ents) == want_ents, (sorted(ents), sorted(want_ents))

    # Each element: its label, its kind as prov:type, its attributes.
    for n in nodes:
        r = (acts if n["kind"] == "process" else ents)[qid(n["id"])]
        assert list(r.get_attribute("prov:label")) == [n["label"]], n
        kind = "pipe" if n.get("pipe") else n["kind"]
        assert [str(t) for t in r.get_attribute("prov:type")] == \
            ["btrack:" + kind], (n, list(r.get_attribute("prov:type")))
        if n["kind"] == "process":
            assert list(r.get_attribute("btrack:pid")) == [n["pid"]], n
        if n.get("detection"):
            assert list(r.get_attribute("btrack:detection")) == [True], n
            assert list(r.get_attribute("btrack:direction")) == \
                [res["direction"]], n
            assert list(r.get_attribute("btrack:granularity")) == \
                [res["granularity"]], n
            assert list(r.get_attribute("btrack:truncated")) == \
                ([True] if res["truncated"] else []), n

    # Agents: the user ids processes ran as, associated with them.
    uids = {}
    for n in nodes:
        if n["kind"] != "process":
            continue
        s = set()
        if "uid" in n:
            s.add(n["uid"])
        for c in n.get("credentials", []):
            s.update(c[k] for k in ("uid", "euid") if k in c)
        uids[qid(n["id"])] = s
    # (The JSON lists credential changes; a set-user-ID program's euid at its
    # start is in PROV only: hence at least.)
    want_agents = {"btrack:uid%d" % u for s in uids.values() for u in s}
    assert set(agents) >= want_agents, (sorted(agents), sorted(want_agents))
    assoc = {(str(r.args[0]), str(r.args[1]))
             for r in recs if type(r) is pm.ProvAssociation}
    assert assoc >= {(a, "btrack:uid%d" % u) for a, s in uids.items()
                     for u in s}, assoc
    assert {b for a, b in assoc} == set(agents), "an agent nothing ran as"
    assert {a for a, b in assoc} <= set(acts), assoc

    # One relation per edge, keyed btrack:eN, of the type the mapping says,
    # between the right elements, at the edge's first time.
    rels = {}
    for r in recs:
        if r.is_relation() and str(r.identifier).startswith("btrack:e"):
            assert str(r.identifier) not in rels, r.identifier
            rels[str(r.identifier)] = r
    assert len(rels) == len(res["edges"]), (len(rels), len(res["edges"]))
    count = {}
    for i, e in enumerate(res["edges"]):
        r = rels["btrack:e%d" % i]
        f, t = qid(e["from"]), qid(e["to"])
        fk, tk = kinds[e["from"]], kinds[e["to"]]
        if e["op"] == "connection":
            # the two ends of one connection (graph/channel.h): the
            # effect's end was derived from the cause's, with no activity
            cls, args = pm.ProvDerivation, (t, f)
        elif fk == "process" and tk == "process":
            cls, args = pm.ProvCommunication, (t, f)
        elif tk == "process":
            cls, args = pm.ProvUsage, (t, f)
        elif e["op"] == "unlink":
            cls, args = pm.ProvInvalidation, (t, f)
        else:
            cls, args = pm.ProvGeneration, (t, f)
        assert type(r) is cls, (e, type(r).__name__)
        assert tuple(str(a) for a in r.args[:2]) == args, (e, r.args)
        assert list(r.get_attribute("btrack:op")) == [e["op"]], e
        assert list(r.get_attribute("btrack:count")) == [e["count"]], e
        if cls is pm.ProvDerivation:
            ts = list(r.get_attribute("btrack:time"))[0].timestamp()
            assert abs(ts - e["first"] / 1e9) < 1e-5, (e, ts)
        elif cls is not pm.ProvCommunication:
            # prov parses to microseconds
            ts = r.args[2].timestamp()
            assert abs(ts - e["first"] / 1e9) < 1e-5, (e, r.args[2])
        count[cls.__name__] = count.get(cls.__name__, 0) + 1

    # Derivations join two names of the result, through a process of it.
    for r in recs:
        if type(r) is pm.ProvDerivation and \
           not str(r.identifier).startswith("btrack:e"):
            a, b, p = (str(x) for x in r.args[:3])
            assert a in ents and b in ents and p in acts, r
            count["ProvDerivation"] = count.get("ProvDerivation", 0) + 1

    # The document survives a round trip through the prov package.
    again = pm.ProvDocument.deserialize(content=doc.serialize(format="json"),
                                        format="json")
    assert again == doc, "round trip"

    print(len(acts), len(ents), len(agents))
    for k in sorted(count):
        print(k, count[k])

for i in range(1, len(sys.argv), 2):
    try:
        check(sys.argv[i], sys.argv[i + 1])
    except Exception:
        print("in %s" % sys.argv[i + 1], file=sys.stderr)
        raise
EOF
}

# walk DIR SPEC NAME [OPTIONS]: the JSON and the PROV-JSON of one walk,
# both checked; the summary in $tmp/NAME.sum.
walk() {
	dir=$1 spec=$2 name=$3
	shift 3
	expect 0 "$BTRACK" "$dir" --log "$log" --from "$spec" --format json \
		-o "$tmp/$name.json" "$@"
	expect 0 "$BTRACK" "$dir" --log "$log" --from "$spec" \
		--format prov-json -o "$tmp/$name.prov" "$@"
	provcheck "$tmp/$name.json" "$tmp/$name.prov" >"$tmp/$name.sum" ||
		fail "PROV of $dir $spec $*"
	nwalks=$((nwalks + 1))
}
nwalks=0

# The format by name and by file name.
cp "$BTRACK_TOP/tests/data/sarmoria.jsonl" "$tmp/s.jsonl"
log=$tmp/s.btl
expect 0 "$BTRACK" import -o "$log" "$tmp/s.jsonl"
expect 0 "$BTRACK" backtrack --log "$log" --from file:/X --format prov
grep -q '"wasGeneratedBy"' "$tmp/out" || fail "--format prov"
expect 0 "$BTRACK" backtrack --log "$log" --from file:/X -o "$tmp/x.prov.json"
grep -q '"prefix"' "$tmp/x.prov.json" || fail ".prov.json is not PROV-JSON"
expect 0 "$BTRACK" backtrack --log "$log" --from file:/X -o "$tmp/x.json"
grep -q '"nodes"' "$tmp/x.json" || fail ".json is not btrack's JSON"

# The worked example (tests/cli/backtrack.sh): back from X, processes 1,
# 2, 3 and files A, B, X; fork 1->2, 1->3; 2 writes B, 3 writes X; 1
# reads A, 3 reads B.
walk backtrack file:/X sx
cat >"$tmp/want" <<'EOF'
3 3 0
ProvCommunication 2
ProvGeneration 2
ProvUsage 2
EOF
diff -u "$tmp/want" "$tmp/sx.sum" || fail "back from X"
"$PY" - "$tmp/sx.json" "$tmp/sx.prov" <<'EOF' || fail "back from X: relations"
import json, sys
import prov.model as pm
res = json.load(open(sys.argv[1]))
doc = pm.ProvDocument.deserialize(content=open(sys.argv[2]).read(),
                                  format="json")
by = {n["label"]: "btrack:" + n["id"] for n in res["nodes"]}
rel = {(type(r).__name__,) + tuple(str(a) for a in r.args[:2])
       for r in doc.get_records() if r.is_relation()}
assert ("ProvGeneration", by["/X"], by["process [3]"]) in rel, rel
assert ("ProvUsage", by["process [1]"], by["/A"]) in rel, rel
assert ("ProvCommunication", by["process [2]"], by["process [1]"]) in rel, rel
# process 3 started at T4 and is the child informed by process 1
acts = {str(r.identifier): r for r in doc.get_records(pm.ProvActivity)}
assert acts[by["process [3]"]].get_startTime().timestamp() == 1795255204, \
    acts[by["process [3]"]].get_startTime()
EOF
walk forward file:/A sa
# A walk cut short says so on its detection point.
walk backtrack file:/X sxt --max-nodes 3
grep -q '"btrack:limit"' "$tmp/sxt.prov" || fail "no btrack:limit"

# Renames and links: wasDerivedFrom between the names, through the process.
printf '%s\n' \
	'{"time": 1, "op": "create", "pid": 1, "path": "/a", "uid": 1000}' \
	'{"time": 2, "op": "write", "pid": 1, "path": "/a"}' \
	'{"time": 3, "op": "rename", "pid": 1, "path": "/a", "new_path": "/b"}' \
	'{"time": 4, "op": "link", "pid": 1, "path": "/b", "new_path": "/c"}' \
	'{"time": 5, "op": "read", "pid": 2, "path": "/c"}' \
	'{"time": 6, "op": "unlink", "pid": 2, "path": "/b"}' \
	'{"time": 7, "op": "write", "pid": 2, "path": "/out"}' >"$tmp/rn.jsonl"
log=$tmp/rn.btl
expect 0 "$BTRACK" import -o "$log" "$tmp/rn.jsonl"
walk forward proc:1 rn --no-filters
grep -q '^ProvDerivation 2$' "$tmp/rn.sum" || fail "rename and link: $(cat "$tmp/rn.sum")"
grep -q '^ProvInvalidation 1$' "$tmp/rn.sum" || fail "unlink: $(cat "$tmp/rn.sum")"
"$PY" - "$tmp/rn.json" "$tmp/rn.prov" <<'EOF' || fail "rename: relations"
import json, sys
import prov.model as pm
res = json.load(open(sys.argv[1]))
doc = pm.ProvDocument.deserialize(content=open(sys.argv[2]).read(),
                                  format="json")
by = {n["label"]: "btrack:" + n["id"] for n in res["nodes"]}
der = {tuple(str(a) for a in r.args[:3]) + (list(r.get_attribute(
       "btrack:op"))[0],) for r in doc.get_records(pm.ProvDerivation)}
p = by["process [1]"]
assert der == {(by["name: /b"], by["name: /a"], p, "rename"),
               (by["name: /c"], by["name: /b"], p, "link")}, der
EOF
walk backtrack file:/out rnb

# Hostile names: valid JSON, labels shown by the display rule, loaded.
printf '%s\n' \
 '{"time": 1, "op": "write", "pid": 7, "path": "/tmp/a\n\u001b[2Jb\"c\\d<script>x</script>"}' \
 '{"time": 2, "op": "read", "pid": 8, "path": "/tmp/a\n\u001b[2Jb\"c\\d<script>x</script>"}' \
 '{"time": 3, "op": "write", "pid": 8, "path": "/out"}' >"$tmp/h.jsonl"
log=$tmp/h.btl
expect 0 "$BTRACK" import -o "$log" "$tmp/h.jsonl"
walk backtrack file:/out hostile
grep -q 'a\\\\x0a\\\\x1b\[2Jb\\"c\\\\\\\\d<script>' "$tmp/hostile.prov" ||
	fail "hostile name not shown by the rule: $(grep -m1 tmp/a "$tmp/hostile.prov")"

# A generated log: the planted attack, back from the loot and forward
# from the download.
log=$tmp/gen.btl
expect 0 "$BTRACK" gen --events 3000 -o "$log"
walk backtrack file:/var/tmp/.x/loot gen
walk backtrack file:/var/tmp/.x/loot genobj --granularity object
walk forward endpoint:203.0.113.66:4444 genfwd
"$PY" - "$tmp/gen.json" "$tmp/gen.prov" <<'EOF' || fail "gen: the download"
import json, sys
import prov.model as pm
res = json.load(open(sys.argv[1]))
doc = pm.ProvDocument.deserialize(content=open(sys.argv[2]).read(),
                                  format="json")
ep = [n for n in res["nodes"] if n["kind"] == "endpoint"]
assert [n["address"] for n in ep] == ["203.0.113.66:4444"], ep
eid = "btrack:" + ep[0]["id"]
used = [r for r in doc.get_records(pm.ProvUsage) if str(r.args[1]) == eid]
assert used, "nothing used the endpoint"
ops = {list(r.get_attribute("btrack:op"))[0] for r in used}
assert ops <= {"connect", "recv", "accept"} and "recv" in ops, ops
ents = {str(r.identifier): r for r in doc.get_records(pm.ProvEntity)}
assert list(ents[eid].get_attribute("btrack:address")) == \
    ["203.0.113.66:4444"]
assert list(ents[eid].get_attribute("btrack:entry")) == [True]
EOF

# Audit logs nobody on this team wrote (../shared, never committed):
# SPADE's unit tests and laurel's test records, imported; forward from
# each log's first process (the first pid= of the log), everything it did.
# auditlogs NAME TARBALL GLOB
auditlogs() {
	[ -f "$2" ] || { echo "no $1 logs at $2: skipped"; return 0; }
	mkdir "$tmp/$1"
	tar -xzf "$2" -C "$tmp/$1"
	pairs=""
	for f in "$tmp/$1"/$3; do
		[ -f "$f" ] || continue
		n=${f%.*}
		"$BTRACK" import --format auditd -o "$n.btl" "$f" >/dev/null \
			2>&1 || continue
		pid=$(grep -m1 -o ' pid=[0-9]*' "$f" | cut -d= -f2)
		[ -n "$pid" ] || continue
		"$BTRACK" forward --log "$n.btl" --from "proc:$pid" \
			--no-filters --format json -o "$n.json" 2>/dev/null ||
			continue   # that pid made no process (a daemon's record)
		expect 0 "$BTRACK" forward --log "$n.btl" --from "proc:$pid" \
			--no-filters --format prov-json -o "$n.prov-json"
		pairs="$pairs $n.json $n.prov-json"
		nwalks=$((nwalks + 1))
	done
	[ -n "$pairs" ] || fail "no $1 log imported"
	# shellcheck disable=SC2086
	provcheck $pairs >"$tmp/$1.sum" || fail "PROV of the $1 logs"
}
shared=${BTRACK_SHARED:-$BTRACK_TOP/../shared}/audit-logs
auditlogs spade "$shared/spade_unit_tests.tar.gz" '*.bin.extract.log'
if [ -f "$tmp/spade.sum" ]; then
	for rel in ProvDerivation ProvInvalidation ProvCommunication; do
		grep -q "^$rel " "$tmp/spade.sum" ||
			fail "SPADE's logs: no $rel at all"
	done
fi
auditlogs laurel "$shared/laurel_testdata.tar.gz" '*.txt'

# Real programs: a copy, a rename and a link under btrack record.
if "$BTRACK" record --no-pages -o "$tmp/probe.btl" -- true 2>"$tmp/err"; then
	mkdir "$tmp/w"
	log=$tmp/rec.btl
	expect 0 "$BTRACK" record --no-pages -o "$log" -- sh -c \
		"cat /etc/hostname > $tmp/w/out; mv $tmp/w/out $tmp/w/out2; ln $tmp/w/out2 $tmp/w/out3; cat $tmp/w/out3 > $tmp/w/final"
	walk backtrack "file:$tmp/w/final" rec
	walk backtrack "file:$tmp/w/final" recall --no-filters
	# The shell, and forward from it: mv's rename is a derivation.
	sh_pid=$("$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(min(n["pid"] for n in d["nodes"] if n["kind"] == "process"))' \
		"$tmp/recall.json")
	walk forward "proc:$sh_pid" recfwd --no-filters
	grep -q '^ProvDerivation [1-9]' "$tmp/recfwd.sum" ||
		fail "mv and ln: no derivation: $(cat "$tmp/recfwd.sum")"
	grep -q '^ProvCommunication [1-9]' "$tmp/recfwd.sum" ||
		fail "no fork: $(cat "$tmp/recfwd.sum")"
	grep -q '^[1-9][0-9]* [1-9][0-9]* [1-9]' "$tmp/recfwd.sum" ||
		fail "no agent for the user: $(head -1 "$tmp/recfwd.sum")"

	# The demo (tests/demo.sh, `make demo`) in a directory of its own:
	# the PROV-JSON it writes, and its walks.
	BTRACK_DEMO_OUT=$tmp/demo sh "$BTRACK_TOP/tests/demo.sh" \
		>"$tmp/demo.log" 2>&1 || { cat "$tmp/demo.log"; fail "make demo"; }
	provcheck "$tmp/demo/attack.json" "$tmp/demo/attack.prov.json" \
		>"$tmp/demo.sum" || fail "the demo's PROV-JSON"
	log=$tmp/demo/attack.btl
	walk backtrack "file:$tmp/demo/work/loot.txt" demoobj \
		--granularity object
	walk backtrack "file:$tmp/demo/work/loot.txt" demoall --no-filters
	echo "demo: $(tr '\n' ' ' <"$tmp/demo.sum")"
else
	echo "btrack record does not work here: real programs and the demo skipped"
fi

echo "$nwalks results checked"
