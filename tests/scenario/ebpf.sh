#!/bin/sh
# ebpf.sh - `btrack capture --source ebpf`, system-wide, on real programs:
# a copy chain with a decoy, a pipeline, rename+chmod+exec of a script, a
# symlink, shared pages written and read by different processes, a
# loopback TCP connection (both ends' addresses), a unix stream socket and
# a socketpair.  Each backtrack must reach its source and not blame the
# decoy; the capture's own process is never in the log; SIGINT stops it
# cleanly with a drops note.  Then: --pid and --cgroup scope, the cgroup
# label of a process that never forks or execs and of one that moves, a
# burst whose every event is logged or counted as dropped, SIGKILL, the
# same backtracks as `btrack record` on the same scenarios, and 6 starts
# and stops under load that leave nothing behind.  Needs root and
# BTF, and a btrack built with the eBPF source (mk/ebpf.mk); otherwise it
# is skipped.
set -eu
tmp=$(mktemp -d)
cap=
load=
cg=
cleanup() {
	[ -n "$cap" ] && kill -TERM "$cap" 2>/dev/null && wait "$cap" || :
	[ -n "$load" ] && kill "$load" 2>/dev/null || :
	[ -n "$cg" ] && rmdir "$cg" 2>/dev/null || :
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
mmap_prog=$BTRACK_TOP/$B/progs/record-mmap

# start_capture LOG [OPTION...]: start capture in the background, wait
# until it captures (skip if this btrack has no eBPF source)
start_capture() {
	log=$1
	shift
	: >"$T/cap.err"
	"$BTRACK" capture --source ebpf -o "$log" --duration 300 "$@" \
		2>"$T/cap.err" &
	cap=$!
	w=0
	until grep -q "capturing into" "$T/cap.err"; do
		if ! kill -0 "$cap" 2>/dev/null; then
			cat "$T/cap.err"
			cap=
			if grep -q "without eBPF support" "$T/cap.err"; then
				echo "btrack built without the eBPF source"
				exit 77
			fi
			fail "capture did not start"
		fi
		w=$((w + 1))
		[ $w -lt 600 ] || fail "capture did not start in 60 s"
		sleep 0.1
	done
}

# stop_capture: SIGINT, then it must exit 0 having written its summary
stop_capture() {
	kill -INT "$cap"
	rc=0
	wait "$cap" || rc=$?
	cap=
	cat "$T/cap.err"
	[ $rc = 0 ] || fail "capture exited $rc"
	grep -q "records drained" "$T/cap.err" || fail "no summary"
}

cd "$T"
echo "secret source" > src
echo "decoy data" > decoy
echo "piped source" > src2
echo "script input" > src3
echo "linked source" > src4
echo "unix source" > src5
echo "pair source" > src6
head -c 32768 /dev/zero > shared
bt_tcp_scripts
# a unix stream socket: the server writes what it receives
cat > userver.py <<'PY'
import socket, os, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(1)
s.settimeout(60)
open(sys.argv[1] + ".ready", "w").close()
c, _ = s.accept()
data = b""
while True:
    b = c.recv(4096)
    if not b:
        break
    data += b
open(sys.argv[2], "wb").write(data)
PY
cat > uclient.py <<'PY'
import socket, os, sys, time
for _ in range(1200):
    if os.path.exists(sys.argv[1] + ".ready"):
        break
    time.sleep(0.05)
c = socket.socket(socket.AF_UNIX)
c.connect(sys.argv[1])
c.sendall(open(sys.argv[2], "rb").read())
c.close()
PY
# a socketpair across a fork: the parent reads its source after the fork,
# so only the channel carries it to the child's output
cat > pair.py <<'PY'
import socket, os, sys
a, b = socket.socketpair()
pid = os.fork()
if pid == 0:
    a.close()
    data = b""
    while True:
        x = b.recv(4096)
        if not x:
            break
        data += x
    open(sys.argv[2], "wb").write(data)
    os._exit(0)
b.close()
a.sendall(open(sys.argv[1], "rb").read())
a.close()
os.waitpid(pid, 0)
PY

start_capture "$T/log.btl"
capture_pid=$cap
sh -c "cat $T/src > $T/a; cp $T/a $T/b; rm $T/a"
sh -c "cat $T/decoy > $T/c"
cat "$T/src2" | tr a-z A-Z > "$T/up"
printf '#!/bin/sh\ncat %s > %s\n' "$T/src3" "$T/out3" > "$T/tmp.sh"
chmod 755 "$T/tmp.sh"
mv "$T/tmp.sh" "$T/run.sh"
"$T/run.sh"
ln -s "$T/src4" "$T/link"
cat "$T/link" > "$T/out4"
have_mmap=0
if [ -x "$mmap_prog" ]; then
	"$mmap_prog" shared write 1 A && "$mmap_prog" shared write 5 B &&
		"$mmap_prog" shared read 1 out5 && have_mmap=1
fi
python3 server.py "$T/port" "$T/received" & srv=$!
python3 client.py "$T/port"
wait $srv
python3 userver.py "$T/u.sock" "$T/ureceived" & srv=$!
python3 uclient.py "$T/u.sock" "$T/src5"
wait $srv
python3 pair.py "$T/src6" "$T/out6"
sleep 0.2
stop_capture
[ "$(cat received)" = "payload from the network" ]

"$BTRACK" log verify log.btl
"$BTRACK" log info log.btl > info
grep -q 'source "capture ebpf"' info || fail "no source note"
grep -q 'drops "full=' info || fail "no drops note"
# btrack's own process is never captured
if "$BTRACK" log dump log.btl | grep -q "^[0-9]* process .* pid=$capture_pid "
then
	fail "the capture's own process $capture_pid is in the log"
fi

bt() {
	"$BTRACK" backtrack --log log.btl --from "file:$T/$1" --format json \
		-o "$1.json" 2>/dev/null
}
# copy chain, and the decoy is not blamed
bt b
bt_chain b.json "file:$T/src" process:/cat "file:$T/a" process:/cp "file:$T/b"
bt_chain b.json "filename:$T/a" process:/cp "file:$T/b"
if grep -q "$T/decoy" b.json; then fail "the decoy is in b's backtrack"; fi
# pipeline: through the pipe (a write is stamped when it starts, so the
# reader's read, on whatever CPU, comes after it)
bt up
bt_chain up.json "file:$T/src2" process:/cat "file:pipe:*" process:/tr \
	"file:$T/up"
# rename + chmod + exec: the script (read by its interpreter) and its input
bt out3
bt_chain out3.json "file:$T/src3" "file:$T/out3"
bt_chain out3.json "file:$T/run.sh" "file:$T/out3"
"$BTRACK" log dump log.btl | grep -q "^[0-9]* event chmod" ||
	fail "no chmod event"
# symlink: the file actually opened
bt out4
bt_chain out4.json "file:$T/src4" process:/cat "file:$T/out4"
# shared pages: the page-1 writer, not the page-5 writer
if [ $have_mmap = 1 ]; then
	bt out5
	python3 - out5.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
w = sorted(n["argv"][3] for n in d["nodes"]
           if n["kind"] == "process" and len(n.get("argv") or []) == 5
           and n["argv"][2] == "write")
assert w == ["1"], "page-level writers: %s" % w
PY
fi
# loopback TCP: the client's endpoint is an entry point of the result
bt received
python3 - received.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
eps = [n for n in d["nodes"] if n["kind"] == "endpoint"]
assert any(n["label"].startswith("127.0.0.1:") for n in eps), eps
PY
# both ends of the loopback connection: each endpoint's local label is
# the other's address (what joins the two ends, issue 11)
"$BTRACK" log dump log.btl > dump
python3 - dump "$(cat port)" <<'PY'
import re, sys
port = sys.argv[2]
addr, local = {}, {}
for l in open(sys.argv[1], errors="replace"):
    m = re.match(r'\d+ endpoint id=(\d+) addr="(.*)"$', l)
    if m:
        addr[m.group(1)] = m.group(2)
    m = re.match(r'\d+ label object=(\d+)\(endpoint\) key=local .* '
                 r'value="(.*)"$', l)
    if m:
        local[m.group(1)] = m.group(2)
srv = "127.0.0.1:" + port
cli = [e for e, a in addr.items() if a == srv]
assert cli, "no endpoint %s in %s" % (srv, addr)
pairs = [(c, s) for c in cli for s, a in addr.items()
         if local.get(c) == a and local.get(s) == srv]
assert pairs, "the two ends are not joined: %s %s" % (addr, local)
print("loopback ends: %s <-> %s" % (srv, local[pairs[0][0]]))
PY
# unix stream: one endpoint named alike from both ends
bt ureceived
bt_chain ureceived.json "file:$T/src5" "process:python3*" \
	"endpoint:unix:$T/u.sock#*" "process:python3*" "file:$T/ureceived"
# socketpair: a channel per direction, from the parent to the child
bt out6
bt_chain out6.json "file:$T/src6" "process:python3*" "file:socket:*" \
	process:python3* "file:$T/out6"

# --pid: only the tree of one shell, started before capture (it waits
# for a go file), is captured
sh -c "while [ ! -e $T/go ]; do sleep 0.05; done
	cat $T/src > $T/scoped" & tree=$!
start_capture "$T/scoped.btl" --pid $tree
cat "$T/decoy" > "$T/c2"    # outside the tree
touch "$T/go"
wait $tree
stop_capture
"$BTRACK" backtrack --log scoped.btl --from "file:$T/scoped" --format json \
	-o scoped.json 2>/dev/null
bt_chain scoped.json "file:$T/src" process:/cat "file:$T/scoped"
if "$BTRACK" log dump scoped.btl | grep -q "path=$T/c2\|$T/c2\""; then
	fail "--pid captured a process outside the tree"
fi
procs=$("$BTRACK" log info scoped.btl | awk '$1 == "process" { print $2 }')
[ "${procs:-0}" -le 10 ] || fail "--pid captured $procs processes"

# The write/read race, made likely: the writer at the lowest priority is
# preempted as soon as its write wakes the reader, at the highest, which
# reads and returns first.  Stamped at its exit, a write came after the
# read it fed (3 of 40 pipelines lost their source); stamped at its
# entry, it comes before.
sh -c "while [ ! -e $T/go5 ]; do sleep 0.05; done
	i=0
	while [ \$i -lt 10 ]; do
		nice -n 19 cat $T/src2 | nice -n -20 tr a-z A-Z > $T/np\$i
		i=\$((i + 1))
	done" & tree=$!
start_capture "$T/nice.btl" --pid $tree
touch "$T/go5"
wait $tree
stop_capture >/dev/null
# one backtrack process for the ten (--from-list: the log loaded once)
i=0
while [ $i -lt 10 ]; do echo "file:$T/np$i"; i=$((i + 1)); done >np.list
"$BTRACK" backtrack --log nice.btl --from-list np.list -o np >/dev/null \
	2>&1 || fail "pipelines under priorities: backtrack failed"
i=0
while [ $i -lt 10 ]; do
	f=$(ls np/"$(printf %03d $((i + 1)))"-*.json)
	grep -q "\"$T/src2\"" "$f" ||
		fail "pipeline $i under priorities: the source is not reached"
	i=$((i + 1))
done

# --cgroup: only the processes of a cgroup (v2) made for the test
cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
if [ -n "$cg2" ] && mkdir "$cg2/btrack-test-$$" 2>/dev/null; then
	cg=$cg2/btrack-test-$$
	sh -c "echo \$\$ > $cg/cgroup.procs
		while [ ! -e $T/go3 ]; do sleep 0.05; done
		cat $T/src > $T/incg" & tree=$!
	# a process that was there before the capture and neither forks
	# nor execs: its first record carries its cgroup
	python3 -c "import os, sys, time
open('$cg/cgroup.procs', 'w').write(str(os.getpid()))
open('$T/py.ready', 'w').close()
while not os.path.exists('$T/go3'):
    time.sleep(0.05)
open('$T/incg2', 'w').write(open('$T/src').read())" & py=$!
	while [ ! -e "$T/py.ready" ]; do sleep 0.05; done
	start_capture "$T/cg.btl" --cgroup "$cg"
	cat "$T/src" > "$T/outcg"
	touch "$T/go3"
	wait $tree
	wait $py
	stop_capture
	"$BTRACK" log dump cg.btl > cg.dump
	grep -q "$T/incg" cg.dump || fail "--cgroup missed its process"
	if grep -q "$T/outcg" cg.dump; then
		fail "--cgroup captured a process outside the cgroup"
	fi
	# Context: the process that wrote incg carries its cgroup's path
	# (relative to the cgroup2 mount) as a label, shown in the JSON
	"$BTRACK" backtrack --log cg.btl --from "file:$T/incg" --format json \
		-o incg.json 2>/dev/null
	python3 - incg.json "/btrack-test-$$" <<'PY' ||
import json, sys
d = json.load(open(sys.argv[1]))
ps = [n for n in d["nodes"] if n["kind"] == "process"]
assert ps, "no process in the backtrack"
cat = [n for n in ps if (n.get("exe") or "").endswith("/cat")]
assert cat, "no cat: %r" % [n.get("exe") for n in ps]
for n in cat:
    assert n.get("cgroup") == sys.argv[2], \
        "cat's cgroup is %r, not %r" % (n.get("cgroup"), sys.argv[2])
    assert "container" not in n, "a container id from a plain cgroup"
print("cgroup label: %s" % cat[0]["cgroup"])
PY
		fail "the process in the test cgroup does not carry its path"
	"$BTRACK" backtrack --log cg.btl --from "file:$T/incg2" --format json \
		-o incg2.json 2>/dev/null
	python3 - incg2.json "/btrack-test-$$" <<'PY' ||
import json, sys
d = json.load(open(sys.argv[1]))
ps = [n for n in d["nodes"] if n["kind"] == "process"]
assert ps and all(n.get("cgroup") == sys.argv[2] for n in ps), \
    "cgroups: %r" % [n.get("cgroup") for n in ps]
PY
		fail "a process seen first by its read has no cgroup label"
	# a process that moves to another cgroup during a system-wide
	# capture: labelled again from its first record after the move
	python3 -c "import os, time
while not os.path.exists('$T/go4'):
    time.sleep(0.05)
open('$T/m1', 'w').write(open('$T/src').read())
open('$cg/cgroup.procs', 'w').write(str(os.getpid()))
open('$T/m2', 'w').write(open('$T/src').read())" & py=$!
	start_capture "$T/move.btl"
	touch "$T/go4"
	wait $py
	stop_capture >/dev/null
	"$BTRACK" backtrack --log move.btl --from "file:$T/m2" --format json \
		-o m2.json 2>/dev/null
	"$BTRACK" log dump move.btl > move.dump
	python3 - m2.json move.dump "/btrack-test-$$" <<'PY' ||
import json, re, sys
d = json.load(open(sys.argv[1]))
ps = [n for n in d["nodes"] if n["kind"] == "process"
      and "/btrack-test-" in (n.get("cgroup") or "")]
assert len(ps) == 1, "movers: %r" % [(n["kind"], n.get("cgroup"))
                                    for n in d["nodes"]]
want = "label object=%d(process) key=cgroup" % ps[0]["object"]
cgs = [l.rsplit("value=", 1)[1].strip() for l in open(sys.argv[2],
       errors="replace") if want in l]
assert len(cgs) == 2 and cgs[-1] == '"%s"' % sys.argv[3] and \
    cgs[0] != cgs[1], "cgroup labels of the mover: %r" % cgs
print("moved: %s -> %s" % (cgs[0], cgs[1]))
PY
		fail "a process that moved cgroup is not labelled again"
	rmdir "$cg" 2>/dev/null || :
	cg=
else
	echo "no writable cgroup v2 hierarchy: --cgroup not tested"
fi

# A burst of 200 k one-byte writes into a 1 MiB ring (some ten thousand
# records) while the drainer is stopped (SIGSTOP), so that the ring fills:
# every write is either logged or counted as dropped, exactly.
n=200000
sh -c "while [ ! -e $T/go2 ]; do sleep 0.05; done
	exec dd if=/dev/zero of=$T/burst bs=1 count=$n 2>/dev/null" & tree=$!
start_capture "$T/burst.btl" --pid $tree --ring-mb 1 --no-pages
kill -STOP "$cap"
touch "$T/go2"
wait $tree
kill -CONT "$cap"
stop_capture
grep -q "full=[1-9]" "$T/cap.err" || fail "the ring never filled"

logged=$("$BTRACK" log dump burst.btl | grep -c "^[0-9]* event write ")
dropped=$("$BTRACK" log info burst.btl |
	sed -n 's/.*drops ".* op\.write=\([0-9]*\).*/\1/p')
echo "burst: $logged logged + ${dropped:-0} dropped of $n"
[ $((logged + ${dropped:-0})) = $n ] ||
	fail "burst: $logged logged + ${dropped:-0} dropped is not $n"
# a backtrack over a log whose ring filled says so, once, with the cause
"$BTRACK" backtrack --log burst.btl --from "file:$T/burst" >burst.txt \
	2>burst.err || fail "burst: backtrack failed"
[ "$(grep -c 'lost or rejected .*(full=[1-9]' burst.err)" = 1 ] ||
	fail "burst: no drops warning: $(cat burst.err)"
grep -q '^drops: the capture lost or rejected .*full=' burst.txt ||
	fail "burst: no drops line in the header"

# SIGKILL mid-run: the log verifies and holds what was committed; the
# kernel drops the programs with the process.
start_capture "$T/killed.btl"
for i in 1 2 3 4 5; do cat "$T/src" > "$T/k$i"; done
sleep 0.3
kill -KILL "$cap"
wait "$cap" 2>/dev/null || :
# A killed writer leaves its log in the temporary file beside the target
# (btrack(1), FILES WRITTEN): that is the evidence to read.
left=$(ls -A "$T" | grep "^\.killed\.btl\.btrack-tmp\.$cap\$" | head -n 1)
[ -n "$left" ] || fail "the killed capture left no temporary log"
[ -e "$T/killed.btl" ] && fail "the killed capture wrote its target"
mv "$T/$left" "$T/killed.btl"
cap=
"$BTRACK" log verify killed.btl
"$BTRACK" backtrack --log killed.btl --from "file:$T/k1" --format json \
	-o killed.json 2>/dev/null
bt_chain killed.json "file:$T/src" process:/cat "file:$T/k1"

# The same answer as `btrack record` on the same workload: the scenarios
# run once under the ptrace recorder and once under a --pid eBPF capture;
# from each scenario's output, the backtracks reach the same files of the
# workload (channels and endpoints counted by kind) and the same programs.
# One known difference is allowed: the recorder names a process that
# exec'd a script after the script, eBPF after its interpreter.
if "$BTRACK" record --no-pages -o "$T/probe.btl" -- true 2>/dev/null; then
	mkdir "$T/r" "$T/e"
	cat > "$T/work.sh" <<'EOF2'
set -e
D=$1; cd "$D"
echo "secret source" > src; echo "decoy data" > decoy; echo "piped" > src2
echo "script input" > src3; echo "linked source" > src4; echo "pair" > src6
sh -c "cat $D/src > $D/a; cp $D/a $D/b; rm $D/a"
sh -c "cat $D/decoy > $D/c"
cat "$D/src2" | tr a-z A-Z > "$D/up"
printf '#!/bin/sh\ncat %s > %s\n' "$D/src3" "$D/out3" > "$D/tmp.sh"
chmod 755 "$D/tmp.sh"; mv "$D/tmp.sh" "$D/run.sh"; "$D/run.sh"
ln -s "$D/src4" "$D/link"; cat "$D/link" > "$D/out4"
python3 "$D/../pair.py" "$D/src6" "$D/out6"
EOF2
	"$BTRACK" record --no-pages -o "$T/r.btl" -- sh "$T/work.sh" "$T/r" \
		2>/dev/null
	sh -c "while [ ! -e $T/e/go ]; do sleep 0.05; done
		exec sh $T/work.sh $T/e" & tree=$!
	start_capture "$T/e.btl" --pid $tree --no-pages
	touch "$T/e/go"
	wait $tree
	stop_capture >/dev/null
	# one backtrack process per log (--from-list: loaded once)
	for s in r e; do
		for f in b c up out3 out4 out6; do echo "file:$T/$s/$f"; done \
			>"$T/$s.list"
		"$BTRACK" backtrack --log "$T/$s.btl" --from-list "$T/$s.list" \
			-o "$T/$s.res" >/dev/null 2>&1
		k=1
		for f in b c up out3 out4 out6; do
			cp "$T/$s.res/$(printf %03d $k)"-*.json "$T/$s-$f.json"
			k=$((k + 1))
		done
	done
	python3 - "$T" <<'PY' || fail "eBPF and btrack record disagree"
import json, os, sys
T = sys.argv[1]
def reached(s, f):
    d = "%s/%s/" % (T, s)
    files, procs = set(), set()
    for n in json.load(open("%s/%s-%s.json" % (T, s, f)))["nodes"]:
        p = n.get("path") or ""
        if n["kind"] in ("file", "filename", "page"):
            if p.startswith(d):
                files.add(p[len(d):])
            elif n.get("pipe") or p.startswith(("pipe:", "socket:")):
                files.add("<channel>")
        elif n["kind"] == "endpoint":
            files.add("<endpoint>")
        elif n["kind"] == "process":
            exe = n.get("exe") or "?"
            if not exe.startswith(d):      # a script: see above
                procs.add(os.path.basename(exe))
    return files, procs
bad = 0
for f in ("b", "c", "up", "out3", "out4", "out6"):
    r, e = reached("r", f), reached("e", f)
    print("%-5s %s files %s, programs %s" % (f, "same" if r == e else "DIFF",
          sorted(r[0]) if r[0] == e[0] else "%s / %s" % (r[0], e[0]),
          sorted(r[1]) if r[1] == e[1] else "%s / %s" % (r[1], e[1])))
    bad += r != e
sys.exit(bad)
PY
else
	echo "ptrace not usable here: not compared with btrack record"
fi

# Start and stop 6 times under load (each of SIGINT, SIGTERM and
# --duration twice): no program, map or link is left behind, no capture
# process stays.
# programs, maps and links (raw tracepoint links name only their program)
ours() {
	{ bpftool prog list; bpftool map list; bpftool link list; } \
		2>/dev/null | grep -c ' name \(bt_\|recs \|paths \|tracked \|events \|wstamp \|cgseen \)\|raw_tracepoint  *prog' || :
}
if command -v bpftool >/dev/null 2>&1; then
	before=$(ours)
	sh -c "while [ -d $T ] && [ ! -e $T/stop ]; do
		cat $T/src > $T/load; done" & load=$!
	i=0
	while [ $i -lt 6 ]; do
		case $((i % 3)) in
		0) "$BTRACK" capture --source ebpf -o "$T/s$i.btl" \
			--duration 0.05 2>/dev/null ;;
		*) start_capture "$T/s$i.btl"
		   if [ $((i % 3)) = 1 ]; then sig=INT; else sig=TERM; fi
		   kill -$sig "$cap"; wait "$cap"; cap= ;;
		esac
		"$BTRACK" log verify "$T/s$i.btl" >/dev/null
		i=$((i + 1))
	done
	touch "$T/stop"
	wait $load
	load=
	# programs and maps are freed after an RCU grace period
	i=0
	while [ "$(ours)" -gt "$before" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(ours)" -le "$before" ] ||
		fail "eBPF programs or maps left: $(ours), $before before"
fi
echo ok
