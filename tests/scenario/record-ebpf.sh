#!/bin/sh
# record-ebpf.sh - `btrack record --source ebpf` against `--source ptrace`
# on the record scenarios (tests/scenario/record-*.sh): a copy chain,
# rename+chmod+exec of a script, a symlink, shared pages written and read
# by different processes, a loopback TCP connection, a pipeline and SQLite
# in WAL mode.  Each workload is recorded with both sources; each backtrack
# must reach its source along the same chain, and the files of the test
# that are entry points of the result (the sources) must be the same with
# both.  Then: exit statuses, a command that does not exist, SIGINT, the
# options (--no-pages, --slice refused, auto, --append, --seal-key),
# nothing of btrack's own in the log, and no eBPF program or map left.
# Needs root and BTF, and a btrack built with the eBPF source; otherwise
# it is skipped.
set -eu
tmp=$(mktemp -d)
rec=
cleanup() {
	[ -n "$rec" ] && kill -KILL "$rec" 2>/dev/null || :
	rm -rf "$tmp"
}
trap cleanup EXIT
T=$tmp
B=${B:-build}
. "$BTRACK_TOP/tests/lib.sh"

[ "$(id -u)" = 0 ] || { echo "not root: the eBPF source needs root"; exit 77; }
[ -r /sys/kernel/btf/vmlinux ] ||
	{ echo "no BTF (/sys/kernel/btf/vmlinux): no eBPF source here"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "no python3"; exit 77; }
"$BTRACK" record --source ebpf -o "$T/ebpf-probe.btl" -- true 2>"$T/err" || {
	cat "$T/err"
	if grep -q "without eBPF support" "$T/err"; then
		echo "btrack built without the eBPF source"
		exit 77
	fi
	fail "record --source ebpf -- true"
}
bt_need_record pages
mmap_prog=$BTRACK_TOP/$B/progs/record-mmap

# Programs and maps of btrack's eBPF source now loaded (any process).
ours() {
	{ bpftool prog list; bpftool map list; } 2>/dev/null |
		grep -c ' name \(bt_\|recs \|paths \|tracked \|events \)' || :
}
have_bpftool=0
command -v bpftool >/dev/null 2>&1 && have_bpftool=1
[ $have_bpftool = 1 ] && before=$(ours)

# both NAME CMD: record the shell command CMD (in $T) with each source,
# into NAME-ptrace.btl and NAME-ebpf.btl; each must exit 0 and refuse
# nothing.
both() {
	for src in ptrace ebpf; do
		"$BTRACK" record --source $src --force -o "$T/$1-$src.btl" -- \
			sh -c "$2" 2>"$T/err" || { cat "$T/err"; fail "$1: record --source $src"; }
		if grep -q "refused" "$T/err"; then
			cat "$T/err"
			fail "$1 ($src): observations refused"
		fi
	done
	# what the eBPF programs lost (said, not failed: the chains judge)
	"$BTRACK" log info "$T/$1-ebpf.btl" | grep "drops" | grep "=[1-9]" || :
}

# lockdrops NAME: page faults the eBPF programs of NAME-ebpf.btl dropped
# because the memory map's lock was busy (bpf_find_vma: -EBUSY, frequent
# on a loaded machine): a page event lost, counted, never invented.
lockdrops() {
	"$BTRACK" log info "$T/$1-ebpf.btl" |
		sed -n 's/.*drops ".* lock=\([0-9]*\).*/\1/p' | head -n 1
}

# check NAME FROM [OPTION...] -- STEP... [-- STEP...]: backtrack FROM in
# both logs of NAME (with the backtrack OPTIONs); every chain of STEPs
# (as bt_chain, tests/lib.sh) is in both results, and the test's files
# that are entry points (the sources) are the same in both.  One python
# per call: python starts slowly on a loaded machine.
check() {
	name=$1 from=$2
	shift 2
	opts=""
	while [ "$1" != -- ]; do opts="$opts $1"; shift; done
	for src in ptrace ebpf; do
		rm -f "$T/$name-$src.json"
		# shellcheck disable=SC2086
		"$BTRACK" backtrack --log "$T/$name-$src.btl" --from "$from" \
			$opts --format json -o "$T/$name-$src.json" 2>/dev/null ||
			fail "$name ($src): backtrack from $from"
	done
	python3 - "$T/" "$name" "$@" <<'PY' || fail "$name: see above"
import json, sys
top, name, args = sys.argv[1], sys.argv[2], sys.argv[3:]
chains = []
for a in args:
    if a == "--":
        chains.append([])
    else:
        chains[-1].append(a)
def match(n, step):
    kind, text = step.split(":", 1)
    if n["kind"] != kind:
        return False
    vals = [str(n.get(k) or "") for k in ("path", "exe", "label")]
    if text.endswith("*"):
        return any(text[:-1] in v for v in vals)
    return any(v.endswith(text) for v in vals)
def chain(d, steps):
    nodes = {n["id"]: n for n in d["nodes"]}
    out = {}
    for e in d["edges"]:
        out.setdefault(e["from"], set()).add(e["to"])
    def reach(a, b):
        seen, todo = {a}, [a]
        while todo:
            x = todo.pop()
            if x == b:
                return True
            for y in out.get(x, ()):
                if y not in seen:
                    seen.add(y)
                    todo.append(y)
        return False
    cur = [i for i, n in nodes.items() if match(n, steps[0])]
    for s in steps[1:]:
        cur = [b for b, n in nodes.items() if match(n, s) and
               any(reach(a, b) for a in cur)]
    return bool(cur)
srcs = {}
ok = True
for src in ("ptrace", "ebpf"):
    d = json.load(open("%s%s-%s.json" % (top, name, src)))
    for c in chains:
        if not chain(d, c):
            print("%s (%s): no chain %s" % (name, src, " ".join(c)))
            ok = False
    srcs[src] = sorted(n["path"][len(top):] for n in d["nodes"]
                       if n["kind"] == "file" and n.get("entry") and
                       (n.get("path") or "").startswith(top))
print("%s: sources %s" % (name, " ".join(srcs["ebpf"])))
if srcs["ptrace"] != srcs["ebpf"]:
    print("%s: sources with ptrace %s, with ebpf %s" %
          (name, srcs["ptrace"], srcs["ebpf"]))
    ok = False
sys.exit(0 if ok else 1)
PY
}

cd "$T"
# One recording per source for the copy chain, the rename and the
# symlink (each eBPF recording loads the programs again: seconds under
# load); each is backtracked on its own.
echo "== copy chain"
echo secret > src
echo decoy > decoy
both copy "cat src > a; cat decoy > c; cp a b; rm a
	cat src > t; mv t a2; cp a2 b2
	rm -f l; ln -s src l; cat l > o1"
check copy "file:$T/b" -- "file:$T/src" process:/cat "file:$T/a" \
	process:/cp "file:$T/b" -- "filename:$T/a" process:/cp "file:$T/b"
grep -q "$T/decoy" copy-ebpf.json && fail "copy: the decoy is blamed"

echo "== rename, chmod, exec"
printf '#!/bin/sh\ncat payload-data > "$1"\n' > payload
echo exfil > payload-data
both rce 'cp payload .part; mv .part run.sh; chmod +x run.sh; ./run.sh out'
[ "$(cat out)" = exfil ] || fail "run.sh did not run"
check rce "file:$T/out" -- "file:$T/payload" process:/cp "file:$T/run.sh" \
	"file:$T/out" -- process:/chmod "file:$T/run.sh" \
	-- "file:$T/payload-data" "file:$T/out"

echo "== rename keeps the file"
check copy "file:$T/b2" -- "file:$T/src" process:/cat "file:$T/a2" \
	process:/cp "file:$T/b2"

echo "== symlink"
check copy "file:$T/o1" -- "file:$T/src" process:/cat "file:$T/o1"
check copy "file:$T/l" --no-filters -- process:/ln "file:$T/l"

echo "== shared pages"
if [ -x "$mmap_prog" ]; then
	head -c 32768 /dev/zero > shared
	both mmap "$mmap_prog shared write 1 A && $mmap_prog shared write 5 B &&
		$mmap_prog shared read 1 out5"
	[ "$(head -c 4 out5)" = AAAA ] || fail "mmap: read the wrong page"
	for src in ptrace ebpf; do
		for g in page object; do
			"$BTRACK" backtrack --log "mmap-$src.btl" --from \
				"file:$T/out5" --granularity $g --format json \
				-o "mmap-$src-$g.json" 2>/dev/null
		done
	done
	# the processes "record-mmap FILE write N" in each result
	python3 - "$(lockdrops mmap)" <<'PY' || fail "mmap: wrong writers"
import json, sys
import json
ok = True
for src in ("ptrace", "ebpf"):
    for g, want in (("page", ["1"]), ("object", ["1", "5"])):
        d = json.load(open("mmap-%s-%s.json" % (src, g)))
        w = sorted(n["argv"][3] for n in d["nodes"]
                   if n["kind"] == "process" and
                   len(n.get("argv") or []) == 5 and n["argv"][2] == "write")
        if w != want:
            print("mmap (%s): %s-level writers %s" % (src, g, w))
            if src == "ebpf" and int(sys.argv[1] or 0) > 0:
                print("  known: the eBPF programs dropped %s page faults "
                      "(busy lock); not failed" % sys.argv[1])
            else:
                ok = False
exit(0 if ok else 1)
PY
else
	echo "$mmap_prog not built: shared pages not tested"
fi

echo "== a shared page read again after another process wrote it"
# Where the sources differ (btrack-record(1), SOURCES): the reader's
# second read of page 0 makes no page fault, so eBPF sees its first read
# only, before the write; ptrace's page monitor re-arms the page and sees
# the second.  ptrace must find the writer; what eBPF finds is said.
cat > reread.py <<'PY'
import mmap, os, sys, time
m = mmap.mmap(os.open("shared2", os.O_RDWR), 8192, mmap.MAP_SHARED,
              mmap.PROT_READ | (mmap.PROT_WRITE if sys.argv[1] == "w" else 0))
if sys.argv[1] == "r":
    first = m[0:4]
    open("ready", "w").close()
    for _ in range(12000):
        if os.path.exists("written"):
            break
        time.sleep(0.01)
    open("reread", "wb").write(m[0:4])
else:
    for _ in range(12000):
        if os.path.exists("ready"):
            break
        time.sleep(0.01)
    m[0:4] = b"EVIL"
    m.flush()
    open("written", "w").close()
PY
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
head -c 8192 /dev/zero > shared2
both reread "rm -f ready written; $py reread.py r & $py reread.py w; wait"
[ "$(cat reread)" = EVIL ] || fail "reread: the reader did not see the write"
for src in ptrace ebpf; do
	"$BTRACK" backtrack --log reread-$src.btl --from "file:$T/reread" \
		--format json -o reread-$src.json 2>/dev/null
done
python3 - <<'PY' || fail "reread: ptrace misses the writer"
import json
def writer(src):
    d = json.load(open("reread-%s.json" % src))
    return any((n.get("argv") or [""])[-1] == "w" for n in d["nodes"]
               if n["kind"] == "process")
print("reread: the writer is found with ebpf: %s (with ptrace: %s)" %
      ("yes" if writer("ebpf") else "no, as documented",
       "yes" if writer("ptrace") else "no"))
exit(0 if writer("ptrace") else 1)
PY

echo "== loopback TCP"
bt_tcp_scripts
both net "rm -f port; python3 server.py port received &
	python3 client.py port; wait"
[ "$(cat received)" = "payload from the network" ] || fail "net: no payload"
check net "file:$T/received" -- "endpoint:127.0.0.1:*" process:/python3* \
	"file:$T/received"

echo "== pipeline"
echo "piped source" > src2
both pipe "cat src2 | tr a-z A-Z > up"
check pipe "file:$T/up" -- "file:$T/src2" process:/cat "file:*" \
	process:/tr "file:$T/up"

echo "== SQLite (WAL, shared -shm pages)"
if command -v sqlite3 >/dev/null 2>&1; then
	printf 'TOPSECRET-%s' $$ > secret
	both sqlite 'rm -f db.sqlite*
	sqlite3 db.sqlite "PRAGMA journal_mode=WAL; CREATE TABLE t(x);" >/dev/null
	(echo "SELECT count(*) FROM t;"; sleep 1.5) | sqlite3 db.sqlite >/dev/null &
	sleep 0.5
	sqlite3 db.sqlite "INSERT INTO t VALUES(readfile('"'secret'"'));"
	sqlite3 db.sqlite "SELECT x FROM t;" > sqout
	wait'
	[ "$(cat sqout)" = "$(cat secret)" ] || fail "sqlite: wrong output"
	check sqlite "file:$T/sqout" -- "file:$T/secret" process:/sqlite3 \
		"file:$T/db.sqlite-wal" process:/sqlite3 "file:$T/sqout"
	# through the pages of the -shm file: ptrace always; eBPF unless it
	# dropped page faults (said)
	bt_chain sqlite-ptrace.json "file:$T/secret" process:/sqlite3 \
		"page:db.sqlite-shm #0" process:/sqlite3 "file:$T/sqout" ||
		fail "sqlite (ptrace): no chain through the -shm page"
	if ! bt_chain sqlite-ebpf.json "file:$T/secret" process:/sqlite3 \
		"page:db.sqlite-shm #0" process:/sqlite3 "file:$T/sqout"; then
		n=$(lockdrops sqlite)
		[ "${n:-0}" -gt 0 ] || fail "sqlite (ebpf): no chain through the -shm page"
		echo "  known: the eBPF programs dropped $n page faults (busy lock); not failed"
	fi
else
	echo "no sqlite3 program: SQLite not tested"
fi

echo "== nothing of btrack's own"
"$BTRACK" record --source ebpf -o own.btl -- sh -c 'cat src > own-out' \
	2>err & rec=$!
wait $rec
rec=
"$BTRACK" log dump own.btl > own.txt
grep -q "pid=$! " own.txt && fail "btrack's own process is in the log"
grep -q "own.btl" own.txt && fail "btrack's own log file is in the log"
# the first process's first event is its exec (not its wait for the go)
python3 - own.txt <<'PY' || fail "the command's first process did something before its exec"
import re, sys
first = None
for line in open(sys.argv[1]):
    m = re.match(r"\d+ process id=(\d+) ", line)
    if m and first is None:
        first = m.group(1)
    m = re.match(r"\d+ event (\S+) .* effect=(\d+)\(process\)", line)
    if m and m.group(2) == first:
        assert m.group(1) == "exec", line
        break
PY
grep -q 'note key=drops .*text="full=0 ' own.txt || fail "no drops note"
grep -q 'note key=source .*text="record sh (ebpf)"' own.txt ||
	fail "no source note"

echo "== exit status"
st() {
	rc=0
	"$BTRACK" record --source ebpf --force -o st.btl -- "$@" 2>"$T/err" ||
		rc=$?
	echo $rc
}
[ "$(st sh -c 'exit 7')" = 7 ] || fail "exit 7"
[ "$(st sh -c 'kill -TERM $$')" = 143 ] || fail "killed by SIGTERM"
[ "$(st /nonexistent/cmd)" = 127 ] || fail "a command that does not exist"
grep -q "cannot run '/nonexistent/cmd'" err || fail "no message: $(cat err)"
"$BTRACK" log verify st.btl >/dev/null
[ "$("$BTRACK" log info st.btl | sed -n 's/^events: *//p')" = 0 ] ||
	fail "events logged for a command that never ran"
# orphans are waited for, as the ptrace recorder waits for every tracee
rm -f late
[ "$(st sh -c "(sleep 0.5; echo late > '$T/late') & exit 3")" = 3 ] ||
	fail "exit 3 with an orphan"
[ -f late ] || fail "record ended before the orphan"
"$BTRACK" backtrack --log st.btl --from "file:$T/late" --format json \
	-o late.json 2>/dev/null || fail "the orphan's write is not in the log"

echo "== SIGINT"
"$BTRACK" record --source ebpf -o int.btl -- sleep 60 2>err & rec=$!
i=0
until pgrep -x -P $rec sleep >/dev/null; do
	i=$((i + 1))
	[ $i -lt 300 ] || fail "sleep did not start in 30 s"
	sleep 0.1
done
kill -INT $rec
rc=0
wait $rec || rc=$?
rec=
cat err
[ $rc = 130 ] || fail "SIGINT: exit $rc, not 130"
grep -q "(interrupted)" err || fail "SIGINT: not said"
"$BTRACK" log verify int.btl >/dev/null

echo "== options"
expect 2 "$BTRACK" record --source ebpf --slice 2 -o o1.btl -- true
grep -q "slice" "$tmp/err" || fail "--slice under ebpf: $(cat "$tmp/err")"
expect 2 "$BTRACK" record --source ptrace --ring-mb 4 -o o2.btl -- true
expect 2 "$BTRACK" record --source bogus -o o3.btl -- true
expect 0 "$BTRACK" record --source auto -o o4.btl -- true
grep -q "source ebpf" "$tmp/err" || fail "auto does not say ebpf: $(cat "$tmp/err")"
expect 0 "$BTRACK" record --source auto --slice 2 -o o5.btl -- true
grep -q "source ptrace" "$tmp/err" || fail "auto with --slice: $(cat "$tmp/err")"
if [ -x "$mmap_prog" ]; then
	expect 0 "$BTRACK" record --source ebpf --no-pages --ring-mb 4 \
		-o o6.btl -- "$mmap_prog" shared read 1 out6
	grep -q ' 0 pages' "$tmp/err" || fail "--no-pages: $(cat "$tmp/err")"
	"$BTRACK" log info o6.btl | grep -q "^flags:.*object-level" ||
		fail "--no-pages: the log is not flagged object level"
fi
expect 1 "$BTRACK" record --source ebpf -o o4.btl -- true
grep -q "already exists" "$tmp/err" || fail "an existing log replaced"
expect 0 "$BTRACK" record --source ebpf --append -o o4.btl -- true
expect 0 "$BTRACK" log verify o4.btl
"$BTRACK" log seal-key --new keys >/dev/null 2>&1
expect 0 "$BTRACK" record --source ebpf --seal-key keys/seal.state \
	-o sealed.btl -- cat src
expect 0 "$BTRACK" log verify --seal --key keys/verify.key sealed.btl
grep -q 'every record is proven' "$tmp/out" || fail "sealed: $(cat "$tmp/out")"

echo "== nothing left in the kernel"
if [ $have_bpftool = 1 ]; then
	i=0
	while [ "$(ours)" -gt "$before" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ "$(ours)" -gt "$before" ]; then
		# other checkouts' tests may be capturing right now
		if pgrep -x btrack >/dev/null; then
			echo "$(ours) programs and maps now, $before before, but" \
				"other btrack processes run: not judged"
		else
			fail "eBPF programs or maps left: $(ours), $before before"
		fi
	fi
else
	echo "no bpftool: programs and maps not counted"
fi
echo ok
