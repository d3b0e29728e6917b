#!/bin/sh
# capture-watch.sh - `btrack capture --source ebpf --watch DIR --alerts SRC`:
# capture and watch in one process, on real programs.  Under a --pid
# capture, an attack: a python server receives a payload over loopback
# TCP and writes it into a dropper file, a shell copies the dropper into a
# target.  A Falco alert for the target's opening (proc.pid, fd.name)
# arrives through a FIFO while the capture runs; a generic JSON alert
# arrives just before the capture is stopped (the watcher answers it at
# the end, on the final log).  Both results reach the network endpoint
# and equal `btrack backtrack --alert` on the final log.  Needs root, BTF
# and a btrack built with the eBPF source; otherwise it is skipped.
set -eu
tmp=$(mktemp -d)
cap=
tree=
cleanup() {
	[ -n "$cap" ] && kill -TERM "$cap" 2>/dev/null && wait "$cap" || :
	[ -n "$tree" ] && kill "$tree" 2>/dev/null || :
	rm -rf "$tmp"
}
trap cleanup EXIT
T=$tmp
: "${BTRACK:=btrack}"
: "${BTRACK_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$BTRACK_TOP/tests/lib.sh"

[ "$(id -u)" = 0 ] || { echo "not root: the eBPF source needs root"; exit 77; }
[ -r /sys/kernel/btf/vmlinux ] ||
	{ echo "no BTF (/sys/kernel/btf/vmlinux): no eBPF source here"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "no python3"; exit 77; }

cd "$T"
bt_tcp_scripts
mkfifo alerts.fifo
# Held open for the whole test: the FIFO does not end between alerts.
exec 3<>alerts.fifo

# The tree: waits for go, runs the attack, then keeps the log moving (a
# heartbeat, as a system-wide capture always has) until end.
sh -c "while [ ! -e $T/go ]; do sleep 0.05; done
	python3 server.py $T/port $T/dropper &
	python3 client.py $T/port
	wait
	sh -c 'echo \$\$ > $T/writer.pid; cat $T/dropper > $T/target'
	date +%s%N > $T/done
	while [ ! -e $T/end ]; do : > $T/beat; sleep 0.1; done" 3>&- &
tree=$!

"$BTRACK" capture --source ebpf --pid $tree -o cap.btl --duration 120 \
	--watch out --alerts alerts.fifo --wait 5 --stats \
	>cap.out 2>cap.err 3>&- &
cap=$!
w=0
until grep -q "capturing into" cap.err; do
	if ! kill -0 "$cap" 2>/dev/null; then
		cat cap.err
		cap=
		if grep -q "without eBPF support" cap.err; then
			echo "btrack built without the eBPF source"
			exit 77
		fi
		fail "capture did not start"
	fi
	w=$((w + 1))
	[ $w -lt 300 ] || fail "capture did not start in 30 s"
	sleep 0.1
done

touch go
w=0
until [ -s done ]; do
	w=$((w + 1))
	[ $w -lt 200 ] || fail "the attack did not finish in 20 s"
	sleep 0.1
done
[ "$(cat target)" = "payload from the network" ] || fail "attack failed"

# alert.py KIND RULE: an alert for the target's writer, at the time the
# attack was done.
cat >alert.py <<'EOF'
import json, sys, time
kind, rule = sys.argv[1], sys.argv[2]
t = int(open("done").read())
pid = int(open("writer.pid").read())
target = sys.argv[3]
s, ns = divmod(t, 10**9)
rfc = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + ".%09dZ" % ns
if kind == "falco":
    a = {"time": rfc, "rule": rule, "priority": "Warning",
         "source": "syscall", "output": "File opened for writing",
         "output_fields": {"proc.pid": pid, "evt.time": t,
                           "fd.name": target, "proc.exepath": "/bin/sh"}}
else:
    a = {"object": "file:" + target, "time": t, "rule": rule}
print(json.dumps(a))
EOF
python3 alert.py falco live "$T/target" >live.json
python3 alert.py generic late "$T/target" >late.json

# The live alert: answered while the capture runs.
cat live.json >&3
w=0
until [ "$(wc -l <cap.out)" -ge 1 ]; do
	w=$((w + 1))
	[ $w -lt 150 ] || { cat cap.err; fail "no answer in 15 s"; }
	sleep 0.1
done
# The late alert, then the end: answered on the final log.
cat late.json >&3
kill -INT "$cap"
rc=0
wait "$cap" || rc=$?
cap=
touch end
wait "$tree" || :
tree=
cat cap.err
[ $rc = 0 ] || fail "capture --watch exited $rc"
grep -q "records drained" cap.err || fail "no capture summary"
grep -q "btrack capture: stats answered=2 " cap.err || fail "no stats line"
[ -f cap.btl ] || fail "no log"
[ "$(wc -l <cap.out)" -eq 2 ] || fail "$(wc -l <cap.out) answers: $(cat cap.out)"
grep -q 'error=' cap.out && fail "an alert failed: $(cat cap.out)"
grep -q 'rule="live".* result=out/' cap.out || fail "no live answer"
grep -q 'rule="late".* result=out/' cap.out || fail "no late answer"

for rule in live late; do
	got=$(ls out/*-"$rule".json)
	"$BTRACK" backtrack --log cap.btl --alert $rule.json --format json \
		-o ref.json --force 2>ref.err ||
		{ cat ref.err; fail "backtrack --alert ($rule)"; }
	cmp -s ref.json "$got" || {
		diff ref.json "$got" || :
		fail "$rule: capture --watch and backtrack --alert differ"
	}
	for ext in txt dot svg; do
		[ -s "${got%.json}.$ext" ] || fail "$rule: no $ext result"
	done
	# The entry point: the connection the payload came from.
	bt_chain "$got" "endpoint:*" "file:$T/dropper" "file:$T/target"
done
cat cap.out
echo "ok: capture --watch answered 2 alerts, as backtrack --alert"
