#!/bin/sh
# btrack watch: usage, the sources (stdin, followed file with rotation and
# truncation, unix socket), results never overwritten, a watcher killed
# with SIGKILL and started again answers each alert exactly once, a flood
# of 10 000 alerts through a FIFO (bounded queue: answered in order or
# dropped and counted, bounded memory), the log replaced underneath, and
# a log that appears after the watcher started loaded while idle.
set -eu
: "${BTRACK:=btrack}"
: "${BTRACK_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
tmp=$(mktemp -d)
pids=""
cleanup() {
	for p in $pids; do kill -9 "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
command -v python3 >/dev/null 2>&1 || { echo "python3 is not installed"; exit 77; }
. "$BTRACK_TOP/tests/lib.sh"
cd "$tmp"
B=$BTRACK

cp "$BTRACK_TOP/tests/data/sarmoria.jsonl" s.jsonl
expect 0 "$B" import -o s.btl s.jsonl

# Usage.
expect 2 "$B" watch --log s.btl -o res
grep -q 'required' err || fail "no --alerts not refused: $(cat err)"
expect 2 "$B" watch --log s.btl --alerts - -o res --wait -1
expect 2 "$B" watch --log s.btl --alerts - -o res --queue 0
expect 2 "$B" watch --log s.btl --alerts - -o res --outputs pdf
expect 2 "$B" watch --log s.btl --alerts - -o res extra
expect 0 "$B" watch -h
grep -q 'usage: btrack watch' out || fail "watch -h"
: >notsock
expect 1 "$B" watch --log s.btl --alerts unix:notsock -o res </dev/null
grep -q 'not a socket' err || fail "a file at a socket path: $(cat err)"

# stdin: every alert answered in order, the line says what a responder
# needs; a bad line and an unknown object are errors in their turn (exit
# 1 when the source ended with failures).
printf '%s\n' \
 '{"object": "file:/X", "time": "2026-11-21T10:00:07Z", "rule": "x written"}' \
 'not json' \
 '{"time": "2026-11-21T10:00:09.000000001Z", "rule": "Write below root", "priority": "Warning", "output_fields": {"proc.pid": 4, "fd.name": "/D"}}' \
 '{"object": "file:/nope", "rule": "missing"}' \
 '{"time": "2026-11-21T10:00:08Z", "rule": "r\u001b[31m/../..", "output_fields": {"proc.pid": 3}}' >a1.json
expect 1 "$B" watch --log s.btl --alerts - -o out1 --wait 0.2 <a1.json
[ "$(wc -l <out)" -eq 5 ] || fail "stdin: $(cat out)"
sed -n 1p out | grep -q 'rule="x written" point=file:/X objects=6 entry_points=1 latency=[0-9]*ms total=[0-9]*ms result=out1/20261121T100007.000000000Z-x_written$' ||
	fail "stdin line 1: $(sed -n 1p out)"
sed -n 2p out | grep -q 'error=".*2:' || fail "bad line: $(sed -n 2p out)"
sed -n 3p out | grep -q 'point=file:/D objects=' || fail "Falco: $(sed -n 3p out)"
sed -n 4p out | grep -q "error=\"no file '/nope'" || fail "missing: $(sed -n 4p out)"
sed -n 5p out | grep -q 'point=proc:3@' || fail "Falco pid: $(sed -n 5p out)"
# A hostile rule stays inside DIR and off the terminal.
grep -q "$(printf '\033')" out && fail "an escape reached the output"
ls out1 | grep -q '^20261121T100008.000000000Z-r_31m\.json$' ||
	fail "hostile rule name: $(ls out1)"
[ "$(ls out1/*.json | wc -l)" -eq 3 ] || fail "results: $(ls out1)"
for f in out1/*.json; do
	for ext in dot svg txt; do
		[ -s "${f%.json}.$ext" ] || fail "no ${f%.json}.$ext"
	done
done
# The same alerts into the same DIR: answered before (journal), nothing
# new written, nothing overwritten.
ls -l --time-style=full-iso out1 >before
expect 0 "$B" watch --log s.btl --alerts - -o out1 --wait 0.2 <a1.json
[ ! -s out ] || fail "answered again: $(cat out)"
grep -q '5 alerts were answered before' err || fail "restart note: $(cat err)"
ls -l --time-style=full-iso out1 >after
cmp -s before after || fail "results changed on a restart"
# Another DIR with an identical result name: -2, nothing overwritten.
mkdir out2
touch out2/20261121T100007.000000000Z-x_written.json
sed -n 1p a1.json >a2.json
expect 0 "$B" watch --log s.btl --alerts - -o out2 --outputs json <a2.json
[ -s out2/20261121T100007.000000000Z-x_written-2.json ] ||
	fail "an existing name not avoided: $(ls out2)"
[ ! -s out2/20261121T100007.000000000Z-x_written.json ] ||
	fail "an existing result overwritten"

# A followed file: rotation (mv + new file) and truncation.
: >f.json
: >wf.out
"$B" watch --log s.btl --alerts f.json -o outf --outputs json --wait 0 \
	>wf.out 2>wf.err &
wf=$!
pids="$pids $wf"
# lines N: wait (20 s at most) until wf.out has N lines.
lines() {
	i=0
	while [ "$(wc -l <wf.out)" -lt "$1" ]; do
		i=$((i + 1))
		[ $i -lt 200 ] || fail "$(wc -l <wf.out) of $1 answers: $(cat wf.out wf.err)"
		sleep 0.1
	done
}
al() { printf '{"object": "file:/X", "time": "2026-11-21T10:00:07Z", "rule": "%s"}\n' "$1"; }
al one >>f.json
al two >>f.json
lines 2
mv f.json f.json.1
al three >>f.json.1      # appended to the old file before the switch
al four >f.json
lines 4
: >f.json
sleep 0.5
al five >>f.json
lines 5
sleep 0.3
kill -TERM $wf
wait $wf || fail "watch on a file exit $?"
pids=""
for r in one two three four five; do
	[ "$(grep -c "rule=\"$r\"" wf.out)" -eq 1 ] ||
		fail "rotation: '$r' answered $(grep -c "rule=\"$r\"" wf.out) times: $(cat wf.out)"
done
grep -q 'rotated' wf.err || fail "rotation not told: $(cat wf.err)"
grep -q 'truncated' wf.err || fail "truncation not told: $(cat wf.err)"

# A unix socket: two clients one after another.
if command -v socat >/dev/null 2>&1 || python3 -c 'import socket' 2>/dev/null; then
	: >ws.out
	"$B" watch --log s.btl --alerts unix:"$tmp/w.sock" -o outs \
		--outputs json >ws.out 2>ws.err &
	ws=$!
	pids="$pids $ws"
	python3 - "$tmp/w.sock" <<'EOF'
import socket, sys, time
for i in range(100):
    try:
        for rule in ("s1", "s2"):
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            c.connect(sys.argv[1])
            c.sendall(b'{"object": "file:/X", "rule": "%s"}\n' % rule.encode())
            c.close()
        break
    except OSError:
        time.sleep(0.1)
EOF
	i=0
	while [ "$(wc -l <ws.out)" -lt 2 ]; do
		i=$((i + 1))
		[ $i -lt 100 ] || fail "socket: $(cat ws.out ws.err)"
		sleep 0.1
	done
	kill -TERM $ws
	wait $ws || fail "watch on a socket exit $?"
	pids=""
	[ ! -e w.sock ] || fail "the socket is left behind"
fi

# SIGKILL and restart: every alert of a followed file answered exactly
# once, whenever the watcher dies.
python3 -c '
import json
for i in range(300):
    print(json.dumps({"object": "file:/X", "rule": "k%d" % i,
                      "time": 1795255207000000000 + i}))' >k.json
for round in 1 2 3; do
	"$B" watch --log s.btl --alerts k.json -o outk --outputs json,dot \
		>wk$round.out 2>wk$round.err &
	wk=$!
	pids="$pids $wk"
	sleep 0.$((2 + round))
	kill -9 $wk 2>/dev/null || true
	wait $wk 2>/dev/null || true
	pids=""
done
"$B" watch --log s.btl --alerts k.json -o outk --outputs json,dot \
	>wk4.out 2>wk4.err &
wk=$!
pids="$pids $wk"
i=0
while [ "$(grep -c '^D' outk/.btrack-watch.journal)" -lt 300 ]; do
	i=$((i + 1))
	[ $i -lt 300 ] || fail "restart: $(grep -c '^D' outk/.btrack-watch.journal) of 300 answered"
	sleep 0.1
done
# Running (its signal handlers set) once it reads the alert file.
i=0
until ls -l /proc/$wk/fd 2>/dev/null | grep -q 'k\.json'; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "the last watcher does not read k.json"
	sleep 0.1
done
kill -TERM $wk
wait $wk || fail "watch after restarts exit $?"
pids=""
[ "$(ls outk/*.json | wc -l)" -eq 300 ] ||
	fail "restart: $(ls outk/*.json | wc -l) results for 300 alerts"
[ "$(ls outk/*.dot | wc -l)" -eq 300 ] ||
	fail "restart: $(ls outk/*.dot | wc -l) DOT results for 300 alerts"
ls outk | grep -q -- '-2\.' && fail "an alert answered twice: $(ls outk | grep -- '-2\.')"
ls -a outk | grep -q 'btrack-tmp' && fail "temporary files left: $(ls -a outk)"
[ "$(awk '$1 == "D" {print $2}' outk/.btrack-watch.journal | sort | uniq -d | wc -l)" -eq 0 ] ||
	fail "a journal key done twice"

# A flood of 10 000 alerts through a FIFO with a small queue: nothing
# unbounded; each alert answered (in order) or dropped and counted.
mkfifo flood.fifo
: >wfl.out
"$B" watch --log s.btl --alerts flood.fifo -o outfl --outputs json \
	--queue 16 >wfl.out 2>wfl.err &
wfl=$!
pids="$pids $wfl"
python3 - <<'EOF'
import json, os, time
for i in range(100):
    try:
        fd = os.open("flood.fifo", os.O_WRONLY | os.O_NONBLOCK)
        break
    except OSError:
        time.sleep(0.1)
os.set_blocking(fd, True)
with os.fdopen(fd, "w") as f:
    for i in range(10000):
        f.write(json.dumps({"object": "file:/X", "rule": "fl%05d" % i,
                            "time": 1795255207000000000 + i}) + "\n")
EOF
sleep 1
hwm=$(sed -n 's/^VmHWM: *\([0-9]*\) kB/\1/p' /proc/$wfl/status)
kill -TERM $wfl
wait $wfl || fail "flood: exit $?"
pids=""
ans=$(wc -l <wfl.out)
dropped=$(sed -n 's/.*: \([0-9]*\) alerts dropped: the queue.*/\1/p' wfl.err)
queued=$(sed -n 's/.*: \([0-9]*\) queued alerts* not answered.*/\1/p' wfl.err)
[ $((ans + ${dropped:-0} + ${queued:-0})) -eq 10000 ] ||
	fail "flood: $ans answered + ${dropped:-0} dropped + ${queued:-0} queued != 10000: $(cat wfl.err)"
sort -c wfl.out 2>/dev/null || sed 's/.*rule="\([^"]*\)".*/\1/' wfl.out | sort -c ||
	fail "flood: not answered in order"
# Generous: the queue is 16 entries; 10 000 alerts must not be held.
[ "${hwm:-0}" -lt 300000 ] || fail "flood: $hwm kB of memory"

# The log replaced underneath, then cut: reported, no crash, later
# alerts answered on what is there.
cp s.btl live.btl
mkfifo r.fifo
: >wr.out
"$B" watch --log live.btl --alerts r.fifo -o outr --outputs json \
	--wait 0.2 >wr.out 2>wr.err &
wr=$!
pids="$pids $wr"
exec 3>r.fifo
al r1 >&3
i=0
while [ "$(wc -l <wr.out)" -lt 1 ]; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "replaced: no first answer"
	sleep 0.1
done
printf '%s\n' '{"time": 1795255300000000000, "op": "write", "pid": 7, "path": "/Y"}' >y.jsonl
"$B" import -o other.btl y.jsonl 2>/dev/null
mv other.btl live.btl
printf '{"object": "file:/Y", "rule": "r2"}\n' >&3
i=0
while [ "$(wc -l <wr.out)" -lt 2 ]; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "replaced: no second answer"
	sleep 0.1
done
grep -q 'replaced' wr.err || fail "a replaced log not reported: $(cat wr.err)"
grep 'rule="r2"' wr.out | grep -q 'objects=' || fail "after the replacement: $(cat wr.out)"
: >live.btl
al r3 >&3
i=0
while [ "$(wc -l <wr.out)" -lt 3 ]; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "cut: no third answer"
	sleep 0.1
done
grep -q 'no longer has a log header\|moved backwards\|was cut' wr.err ||
	fail "a cut log not reported: $(cat wr.err)"
kill -0 $wr || fail "the watcher died"
# One watcher per DIR.
expect 1 "$B" watch --log live.btl --alerts - -o outr </dev/null
grep -q 'another watcher' err || fail "a second watcher on a DIR: $(cat err)"
exec 3>&-
kill -TERM $wr
wait $wr || fail "replaced: exit $?"

# A watcher started before its log exists loads it while idle, as it
# appears, so that the first alert finds it loaded (it loaded nothing
# until an alert came).
: >idle.json
"$B" watch --log late.btl --alerts idle.json -o outi >wi.out 2>wi.err &
wi=$!
pids="$pids $wi"
sleep 0.3
cp s.btl late.tmp
mv late.tmp late.btl
i=0
until grep -q 'stats .* events=[1-9]' wi.err; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "an idle watcher did not load the log: $(cat wi.err)"
	kill -USR1 $wi
	sleep 0.2
done
[ ! -s wi.out ] || fail "idle: answered without an alert: $(cat wi.out)"
kill -TERM $wi
wait $wi || fail "idle watcher: exit $?"
pids=""
echo ok
