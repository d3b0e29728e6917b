#!/bin/sh
# btrack watch on a live log: a writer (`btrack import -`, fed slowly)
# appends an attack scenario while alerts about its own events arrive
# through a FIFO and through a followed file, each alert sent before the
# events it names (the IDS is faster than the capture).  Every alert gets
# the same JSON result as `btrack backtrack --alert` on the finished log.
# Then the writer is killed mid-run (the watcher keeps going on what was
# committed).
set -eu
: "${BTRACK:=btrack}"
: "${BTRACK_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
tmp=$(mktemp -d)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
command -v python3 >/dev/null 2>&1 || { echo "python3 is not installed"; exit 77; }
. "$BTRACK_TOP/tests/lib.sh"
cd "$tmp"

# gen.py CHAINS DELAY: the scenario's JSONL on stdout, a chain at a time
# with DELAY seconds between chains; before each chain's events, its
# alerts go to the FIFO (generic JSON and Falco JSON) and to alerts.json
# (the other forms), and into manifest (rule TAB alert line).  Chain k: a
# process receives from a remote endpoint, writes a dropper, forks a child
# that reads it and writes /etc/target-k, then sends to the endpoint.
cat >gen.py <<'EOF'
import json, os, sys, time
chains, delay = int(sys.argv[1]), float(sys.argv[2])
T0 = 1795255200 * 10**9          # 2026-11-21T10:00:00Z
def ev(t, **kw):
    kw["time"] = T0 + t
    return json.dumps(kw)
def rfc(t):
    s, ns = divmod(T0 + t, 10**9)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + ".%09dZ" % ns
# The FIFO's reader is the watcher: wait for it 10 s at most.
for i in range(100):
    try:
        fd = os.open("alerts.fifo", os.O_WRONLY | os.O_NONBLOCK)
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("no watcher reads alerts.fifo")
os.set_blocking(fd, True)
fifo = os.fdopen(fd, "w")
fil = open("alerts.json", "a")
man = open("manifest", "w")
out = sys.stdout
# Noise read by everyone from the start, so no ranking depends on later
# events.
print(ev(1, op="fork", pid=1, child=2), file=out)
for k in range(chains):
    base = (k + 1) * 10**9
    parent, child = 100 + 2 * k, 101 + 2 * k
    addr = "203.0.113.%d:4444" % (k + 1)
    lines = [
        ev(base, op="fork", pid=1, child=parent),
        ev(base + 1000, op="recv", pid=parent, remote=addr, bytes=10),
        ev(base + 2000, op="write", pid=parent, path="/tmp/dropper-%d" % k),
        ev(base + 3000, op="fork", pid=parent, child=child),
        ev(base + 4000, op="read", pid=child, path="/tmp/dropper-%d" % k),
        ev(base + 5000, op="write", pid=child, path="/etc/target-%d" % k),
        ev(base + 6000, op="send", pid=parent, remote=addr, bytes=5),
    ]
    alerts = [
        (fifo, "g%d" % k, {"object": "file:/etc/target-%d" % k,
                           "time": T0 + base + 5000, "rule": "g%d" % k}),
        (fifo, "f%d" % k, {"time": rfc(base + 5000), "rule": "f%d" % k,
                           "priority": "Warning", "source": "syscall",
                           "output": "File below /etc opened for writing",
                           "output_fields": {"proc.pid": child,
                                             "evt.time": T0 + base + 5000,
                                             "fd.name": "/etc/target-%d" % k,
                                             "proc.exepath": "/bin/sh"}}),
        (fil, "p%d" % k, {"time": rfc(base + 4500), "rule": "p%d" % k,
                          "priority": "Notice",
                          "output_fields": {"proc.pid": child,
                                            "proc.cmdline": "sh -c x"}}),
        (fil, "n%d" % k, {"time": rfc(base + 6000), "rule": "n%d" % k,
                          "priority": "Critical",
                          "output_fields": {"proc.pid": parent,
                                            "fd.rip": "203.0.113.%d" % (k + 1),
                                            "fd.rport": 4444,
                                            "fd.name": "10.0.0.1:5555->" + addr}}),
    ]
    # A Falco process alert names the process, not the endpoint: the
    # network alert above has a pid; one without it names the endpoint.
    alerts.append((fil, "e%d" % k, {"time": rfc(base + 6000), "rule": "e%d" % k,
                   "output_fields": {"fd.rip": "203.0.113.%d" % (k + 1),
                                     "fd.rport": 4444}}))
    for f, rule, a in alerts:
        line = json.dumps(a)
        print(line, file=f)
        print(rule + "\t" + line, file=man)
        f.flush()
    man.flush()
    time.sleep(delay / 2)
    for l in lines:
        print(l, file=out)
    out.flush()
    time.sleep(delay / 2)
fifo.close()
fil.close()
EOF

mkfifo alerts.fifo
: >alerts.json
# The watchers start before the log exists: they wait for the writer's
# temporary file, and follow the log to its name at the writer's close.
"$BTRACK" watch --log live.btl --alerts alerts.fifo -o outA --wait 5 \
	>watchA.out 2>watchA.err &
wa=$!
pids="$pids $wa"
"$BTRACK" watch --log live.btl --alerts alerts.json -o outB --wait 5 \
	>watchB.out 2>watchB.err &
wb=$!
pids="$pids $wb"

chains=6
python3 gen.py $chains 0.4 | "$BTRACK" import --format jsonl - -o live.btl \
	2>import.err || { cat import.err; fail "import of the scenario"; }
total=$(wc -l <manifest)
[ "$total" -eq $((chains * 5)) ] || fail "manifest has $total alerts"

# wait_for DIR N: until DIR has N results (30 s at most).
wait_for() {
	i=0
	while [ "$(ls "$1"/*.json 2>/dev/null | wc -l)" -lt "$2" ]; do
		i=$((i + 1))
		[ $i -lt 300 ] || { cat watchA.err watchB.err >&2
			fail "$1 has $(ls "$1"/*.json 2>/dev/null | wc -l) of $2 results"; }
		sleep 0.1
	done
}
wait_for outA $((chains * 2))
wait_for outB $((chains * 3))
kill -TERM $wa $wb
wait $wa || fail "watcher A exited $? after SIGTERM"
wait $wb || fail "watcher B exited $? after SIGTERM"
pids=""
[ "$(wc -l <watchA.out)" -eq $((chains * 2)) ] ||
	fail "watcher A printed $(wc -l <watchA.out) lines: $(cat watchA.out)"
[ "$(wc -l <watchB.out)" -eq $((chains * 3)) ] ||
	fail "watcher B printed $(wc -l <watchB.out) lines: $(cat watchB.out)"
if grep -q 'error=' watchA.out watchB.out; then
	cat watchA.out watchB.out >&2
	fail "an alert failed"
fi

# Every alert: the same result as backtrack --alert on the finished log.
n=0
while IFS="$(printf '\t')" read -r rule line; do
	printf '%s\n' "$line" >one.json
	"$BTRACK" backtrack --log live.btl --alert one.json --format json \
		-o ref.json --force 2>ref.err ||
		{ cat ref.err >&2; fail "backtrack --alert for $rule"; }
	got=$(ls outA/*-"$rule".json outB/*-"$rule".json 2>/dev/null || true)
	[ "$(echo "$got" | grep -c .)" -eq 1 ] ||
		fail "alert $rule has results: '$got'"
	cmp -s ref.json "$got" || {
		diff ref.json "$got" >&2 || true
		fail "alert $rule: watch and backtrack --alert differ"
	}
	for ext in dot svg txt; do
		[ -s "${got%.json}.$ext" ] || fail "no $ext result for $rule"
	done
	n=$((n + 1))
done <manifest
[ "$n" -eq "$total" ] || fail "compared $n of $total"
# The results name the attack: the endpoint at the start of chain 0.
bt_chain outB/*-p0.json endpoint:203.0.113.1:4444 process:* ||
	fail "the process alert's result does not reach the endpoint"

# The writer killed mid-run: the watcher answers with what was
# committed, waits --wait for the rest, and keeps going.
: >alerts2.json
: >watchC.out
"$BTRACK" watch --log live2.btl --alerts alerts2.json -o outC --wait 0.5 \
	>watchC.out 2>watchC.err &
wc_=$!
pids="$pids $wc_"
mkfifo events.fifo
cat >gen2.py <<'EOF'
import json, sys, time
T0 = 1795255200 * 10**9
out = sys.stdout
print(json.dumps({"time": T0, "op": "fork", "pid": 1, "child": 2}))
for i in range(1000):
    print(json.dumps({"time": T0 + (i + 1) * 1000, "op": "write", "pid": 2,
                      "path": "/tmp/f%d" % i}))
    out.flush()
    time.sleep(0.005)
EOF
"$BTRACK" import --format jsonl - -o live2.btl <events.fifo 2>/dev/null &
wi=$!
pids="$pids $wi"
python3 gen2.py >events.fifo 2>/dev/null &
wg=$!
pids="$pids $wg"
# Killed once its temporary file holds committed records (20 s at most).
i=0
while :; do
	tmpf=$(ls .live2.btl.btrack-tmp.* 2>/dev/null | head -n 1 || true)
	ev=0
	[ -z "$tmpf" ] || ev=$("$BTRACK" log info "$tmpf" 2>/dev/null |
		sed -n 's/^events: *//p')
	[ "${ev:-0}" -lt 50 ] || break
	i=$((i + 1))
	[ $i -lt 200 ] || fail "the writer committed no records"
	sleep 0.1
done
kill -9 $wi || fail "cannot kill the writer"
wait $wi 2>/dev/null || true
wait $wg 2>/dev/null || true
printf '%s\n' '{"object": "file:/tmp/f3", "time": 1795255200000005000, "rule": "killed1"}' \
	'{"object": "file:/tmp/f999", "time": 1795255200001000000, "rule": "killed2"}' \
	'{"object": "proc:2", "rule": "killed3"}' >>alerts2.json
i=0
while [ "$(wc -l <watchC.out)" -lt 3 ]; do
	i=$((i + 1))
	[ $i -lt 200 ] || { cat watchC.err >&2; fail "watcher C stopped answering"; }
	sleep 0.1
done
kill -0 $wc_ || fail "watcher C died with the writer"
grep 'rule="killed1"' watchC.out | grep -q 'objects=' ||
	fail "an alert on committed events failed: $(cat watchC.out)" "an alert on committed events failed: $(cat watchC.out)"
grep 'rule="killed2"' watchC.out | grep -q 'behind=1\|error=' ||
	fail "an alert past the killed writer's end is not said to be behind"
grep 'rule="killed3"' watchC.out | grep -q 'objects=' ||
	fail "an alert without time failed: $(cat watchC.out)"
kill -TERM $wc_
wait $wc_ || fail "watcher C exit $?"
pids=""
echo ok
