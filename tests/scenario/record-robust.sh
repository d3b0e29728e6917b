#!/bin/sh
# record-robust.sh - btrack record under the conditions that break naive
# tracers: threads (and exec from a non-leader thread), signals delivered
# to tracees, a command killed by a signal (exit status 128+N), a command
# that kills the recorder with SIGKILL (the log must still be valid), the
# recorder interrupted with SIGINT (valid log, command's status), a static
# binary (object level flag and note), and exit statuses passed on.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
T=$tmp
B=${B:-build}
progs=$BTRACK_TOP/$B/progs
[ -x "$progs/record-threads" ] || { echo "test programs not built (make tests-build)"; exit 77; }
. "$BTRACK_TOP/tests/lib.sh"
bt_need_record

# A valid log: `btrack log verify` accepts it.
verify() {
	if "$BTRACK" log verify "$1" >"$T/verify" 2>&1; then
		return 0
	fi
	cat "$T/verify"
	echo "log $1 does not verify"
	return 1
}
# status CMD...: run, print the exit status
status() {
	rc=0
	"$@" || rc=$?
	echo "$rc"
}
cd "$T"

echo "== exit status"
[ "$(status "$BTRACK" record -o st.btl -- sh -c 'exit 7' 2>/dev/null)" = 7 ]
[ "$(status "$BTRACK" record -o kill.btl -- sh -c 'kill -KILL $$' 2>/dev/null)" = 137 ]
[ "$(status "$BTRACK" record -o term.btl -- sh -c 'kill -TERM $$' 2>/dev/null)" = 143 ]
[ "$(status "$BTRACK" record -o nf.btl -- /nonexistent/cmd 2>/dev/null)" = 127 ]
verify kill.btl

echo "== threads, exec from a thread"
mkdir th
"$BTRACK" record -o th.btl -- "$progs/record-threads" "$T/th" exec 2>err
cat err
for n in 0 1 2 3; do [ -f "th/thread-$n" ]; done
[ "$(cat th/after-exec)" = exec ]
verify th.btl
"$BTRACK" backtrack --log th.btl --from "file:$T/th/thread-3" --format json \
	-o th.json
"$BTRACK" backtrack --log th.btl --from "file:$T/th/after-exec" \
	--format json -o ex.json
# threads are the thread group's process: one process did everything, and
# the shell thread 2 exec'd is that same process
grep -q '(1 processes' err
python3 - th.json ex.json <<'PY'
import json, sys
def pids(f):
    d = json.load(open(f))
    return {n["pid"] for n in d["nodes"] if n["kind"] == "process"}
a, b = pids(sys.argv[1]), pids(sys.argv[2])
assert len(a) == 1 and a == b, (a, b)
PY

echo "== signals to tracees are delivered"
start=$(date +%s)
[ "$(status "$BTRACK" record -o sig.btl -- sh -c 'sleep 5 & kill -TERM $!; wait $!' 2>/dev/null)" = 143 ]
[ $(( $(date +%s) - start )) -lt 4 ]
verify sig.btl
# a handled signal reaches the program's handler
[ "$(status "$BTRACK" record -o trap.btl -- sh -c 'trap "exit 9" USR1; kill -USR1 $$; sleep 1; exit 0' 2>/dev/null)" = 9 ]
# a stopped and continued tracee goes on
[ "$(status "$BTRACK" record -o stop.btl -- sh -c 'sleep 0.3 & p=$!; kill -STOP $p; kill -CONT $p; wait $p' 2>/dev/null)" = 0 ]

echo "== the command kills the recorder (SIGKILL)"
rc=0
"$BTRACK" record -o killed.btl -- sh -c "cat /etc/passwd > '$T/k1'; kill -9 \$PPID; sleep 2; echo survived > '$T/k2'" 2>/dev/null || rc=$?
[ "$rc" = 137 ]
sleep 0.5
[ -f k1 ]
[ ! -f k2 ]   # EXITKILL: the tracees die with the recorder
# the log is in its temporary file (renamed only by a close), nothing
# at killed.btl; what was committed is there, and the next writer of
# killed.btl names it
[ ! -e killed.btl ]
left=$(ls -A | grep '^\.killed\.btl\.btrack-tmp\.' | head -n 1)
[ -n "$left" ]
verify "$left"
"$BTRACK" backtrack --log "$left" --from "file:$T/k1" --format json \
	-o k1.json
grep -q '"/etc/passwd"' k1.json
"$BTRACK" record -o killed.btl -- true 2>err
grep -q "'$left' was left by a writer that died" err
[ -f "$left" ]

echo "== SIGINT to the recorder"
# the recorder forwards SIGINT to the command (which dies of it: 130) and
# finishes the log; the command resets SIGINT to the default itself, since
# an asynchronous list of sh starts with SIGINT ignored
start=$(date +%s)
"$BTRACK" record -o int.btl -- python3 -c "
import signal, time
signal.signal(signal.SIGINT, signal.SIG_DFL)
open('$T/i1', 'w').write('before')
time.sleep(20)" 2>err &
rpid=$!
i=0
while [ ! -s i1 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -INT "$rpid"
rc=0
wait "$rpid" || rc=$?
cat err
[ "$rc" = 130 ]
[ $(( $(date +%s) - start )) -lt 10 ]
grep -q interrupted err
verify int.btl
"$BTRACK" backtrack --log int.btl --from "file:$T/i1" --format json -o i1.json
grep -q 'python' i1.json
# a command that ignores SIGINT is killed after the grace period (5 s)
start=$(date +%s)
"$BTRACK" record -o int2.btl -- sh -c "trap '' INT; echo x > '$T/i2'; sleep 30" 2>err &
rpid=$!
i=0
while [ ! -s i2 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -INT "$rpid"
rc=0
wait "$rpid" || rc=$?
[ "$rc" = 137 ]
[ $(( $(date +%s) - start )) -lt 15 ]
verify int2.btl

echo "== static binary: object level"
if [ -x "$progs/record-static" ] && [ -f "$BTRACK_TOP/$B/libbtrack-pages.so" ]; then
	head -c 4096 /dev/zero > stfile
	BTRACK_PRELOAD=$BTRACK_TOP/$B/libbtrack-pages.so \
		"$BTRACK" record -o static.btl -- "$progs/record-static" \
		"$T/stfile" 2>err
	cat err
	grep -q "static" err
	[ "$(head -c 1 stfile)" = S ]
	verify static.btl
	# header flags (offset 12, little-endian): BT_LOGF_OBJ_LEVEL 0x2
	python3 -c 'import struct,sys; f=open(sys.argv[1],"rb").read(16); sys.exit(0 if struct.unpack("<I", f[12:16])[0] & 2 else 1)' static.btl
	grep -q "static binary" static.btl
	# a dynamic program's log does not carry the flag
	python3 -c 'import struct,sys; f=open(sys.argv[1],"rb").read(16); sys.exit(1 if struct.unpack("<I", f[12:16])[0] & 2 else 0)' th.btl
fi
echo ok
