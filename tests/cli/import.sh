#!/bin/sh
# btrack import: a small scenario's summary counts, a bad line (exit 3, the
# line number, no log left behind), --keep-going, stdin, several files into
# one log, refusing to overwrite, --force, usage errors and -h.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() { echo "FAIL: $*" >&2; exit 1; }

cat >ev.jsonl <<'X'
{"time": 1700000000000000001, "op": "fork", "pid": 100, "child": 101}
{"time": "2026-11-21T10:00:01.5Z", "op": "exec", "pid": 101, "path": "/bin/sh", "argv": ["sh", "-c", "x"]}

{"time": 1700000000000000003, "op": "recv", "pid": 101, "remote": "203.0.113.9:4444", "bytes": 10}
{"time": 1700000000000000004, "op": "create", "pid": 101, "path": "/tmp/drop.sh"}
{"time": 1700000000000000005, "op": "write", "pid": 101, "path": "/tmp/drop.sh"}
{"time": 1700000000000000006, "op": "mmap", "pid": 101, "path": "/dev/shm/s", "shared": true, "prot": "rw"}
{"time": 1700000000000000007, "op": "page_write", "pid": 101, "path": "/dev/shm/s", "page": 3}
{"time": 1700000000000000008, "op": "exit", "pid": 101}
X
# Expected: processes 100, 101; files /bin/sh, /tmp/drop.sh, /dev/shm/s;
# filename /tmp/drop.sh; page 3; one region; one endpoint.  Events: fork,
# exec, recv, create, lookup + write (the name was created), mmap read +
# mmap write, page write = 9.  9 lines, one blank.
"$BTRACK" import -o ev.btl ev.jsonl 2>err || fail "import failed: $(cat err)"
want="imported 9 events (2 processes, 3 files, 1 filenames, 1 pages, 1 regions, 1 endpoints) from 9 lines into ev.btl"
[ "$(cat err)" = "$want" ] || fail "summary: '$(cat err)', want '$want'"
[ -s ev.btl ] || fail "no log written"
head -c 7 ev.btl | grep -q BTRKLOG || fail "not a log"

# Refuses to overwrite; the old log survives.
cp ev.btl keep.btl
set +e
"$BTRACK" import -o ev.btl ev.jsonl 2>err
rc=$?
set -e
[ $rc -eq 1 ] || fail "overwrite: exit $rc"
grep -q "'ev.btl' already exists" err || fail "overwrite message: $(cat err)"
cmp -s ev.btl keep.btl || fail "existing log changed"

# A bad line: exit 3, name and line number, no log, existing log intact.
printf '%s\n' '{"time": 5, "op": "exit", "pid": 1}' \
	'{"time": 5, "op": "exit", "pid": -4}' >bad.jsonl
set +e
"$BTRACK" import -o new.btl bad.jsonl 2>err
rc=$?
set -e
[ $rc -eq 3 ] || fail "bad line: exit $rc"
grep -q "bad.jsonl:2: field 'pid' must be a non-negative integer" err ||
	fail "bad line message: $(cat err)"
[ ! -e new.btl ] || fail "log left behind after a bad line"
[ -z "$(ls -A | grep tmp)" ] || fail "temporary file left: $(ls -A)"
set +e
"$BTRACK" import --force -o ev.btl ev.jsonl bad.jsonl 2>err
rc=$?
set -e
[ $rc -eq 3 ] || fail "bad line with --force: exit $rc"
cmp -s ev.btl keep.btl || fail "a failed --force import replaced the log"

# --keep-going skips and counts.
"$BTRACK" import --keep-going -o kg.btl ev.jsonl bad.jsonl 2>err ||
	fail "keep-going failed: $(cat err)"
grep -q "from 11 lines into kg.btl; skipped 1 bad lines" err ||
	fail "keep-going summary: $(cat err)"

# Standard input, and --force replaces.
"$BTRACK" import --force -o ev.btl - <ev.jsonl 2>err ||
	fail "stdin failed: $(cat err)"
[ "$(cat err)" = "$want" ] || fail "stdin summary: $(cat err)"

# Several files go into one log, in order: the second file's write to the
# dropped script by pid 200 needs no new file.
printf '%s\n' '{"time": 9, "op": "read", "pid": 200, "path": "/tmp/drop.sh"}' \
	>more.jsonl
"$BTRACK" import -o two.btl ev.jsonl more.jsonl 2>err || fail "two files"
grep -q "^imported 11 events (3 processes, 3 files," err ||
	fail "two files summary: $(cat err)"

# Usage errors and missing inputs.
set +e
"$BTRACK" import ev.jsonl 2>err; rc=$?
[ $rc -eq 2 ] || fail "no -o: exit $rc"
"$BTRACK" import -o x.btl 2>err; rc=$?
[ $rc -eq 2 ] || fail "no FILE: exit $rc"
"$BTRACK" import --format xml -o x.btl ev.jsonl 2>err; rc=$?
[ $rc -eq 2 ] || fail "bad format: exit $rc"
"$BTRACK" import --bogus 2>err; rc=$?
[ $rc -eq 2 ] || fail "unknown option: exit $rc"
"$BTRACK" import -o x.btl no-such.jsonl 2>err; rc=$?
[ $rc -eq 1 ] || fail "missing input: exit $rc"
grep -q "cannot open 'no-such.jsonl'" err || fail "missing: $(cat err)"
[ ! -e x.btl ] || fail "log left after a missing input"
"$BTRACK" import -o /nonexistent-dir/x.btl ev.jsonl 2>err; rc=$?
[ $rc -eq 1 ] || fail "unwritable output: exit $rc"
set -e

# Interrupted while reading: the temporary log goes away.  The FIFO keeps
# the import blocked in open() after it made its temporary file.
mkfifo fifo
"$BTRACK" import -o int.btl fifo 2>/dev/null &
pid=$!
n=0
while [ -z "$(ls -A | grep '^\.int\.btl\.btrack-tmp\.')" ] && [ $n -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
[ $n -lt 100 ] || fail "no temporary log seen"
kill -TERM $pid
set +e
wait $pid
set -e
[ -z "$(ls -A | grep 'int\.btl')" ] || fail "left behind: $(ls -A)"

"$BTRACK" import -h >out || fail "-h failed"
grep -q "^usage: btrack import \[--format jsonl|auditd\] \[--keep-going\] \[--force\] -o LOG FILE\.\.\.$" out ||
	fail "-h output: $(cat out)"
"$BTRACK" help import >out || fail "help import failed"
grep -q -- "--keep-going" out || fail "help import output"

# An input that yields no event (auditd: only records btrack does not use;
# JSONL: only blank lines) is an error, exit 3, and leaves no log.
printf 'type=USER_LOGIN msg=audit(1700000000.100:1): pid=1 uid=0 res=success\n' >nothing.log
set +e
"$BTRACK" import --format auditd -o nothing.btl nothing.log 2>err
rc=$?
set -e
[ $rc -eq 3 ] || fail "no events: exit $rc"
grep -q "no events in the input (1 lines, 1 audit records, 1 of types btrack does not use" err ||
	fail "no events message: $(cat err)"
[ ! -e nothing.btl ] || fail "a log was left for an input without events"

# --keep-going over an input whose every line is bad: no events, exit 3.
printf 'hello\nworld\n' >allbad.log
set +e
"$BTRACK" import --format auditd --keep-going -o allbad.btl allbad.log 2>err
rc=$?
set -e
[ $rc -eq 3 ] || fail "all lines bad with --keep-going: exit $rc"
grep -q "no events in the input (2 lines, 2 of them bad)" err ||
	fail "all lines bad message: $(cat err)"
[ ! -e allbad.btl ] || fail "a log was left for an input of bad lines"

# A write through a descriptor the log never saw made is a gap, reported.
cat >gap.log <<'X'
type=SYSCALL msg=audit(1700000000.100:1): arch=c000003e syscall=59 success=yes exit=0 a0=0 a1=0 a2=0 a3=0 items=1 ppid=1 pid=100 uid=0 comm="w" exe="/bin/w" key="k"
type=PATH msg=audit(1700000000.100:1): item=0 name="/bin/w" inode=5 dev=fe:00 mode=0100755 nametype=NORMAL
type=EOE msg=audit(1700000000.100:1):
type=SYSCALL msg=audit(1700000000.200:2): arch=c000003e syscall=1 success=yes exit=5 a0=1 a1=0 a2=5 a3=0 items=0 ppid=1 pid=100 uid=0 comm="w" exe="/bin/w" key="k"
type=EOE msg=audit(1700000000.200:2):
X
"$BTRACK" import --format auditd -o gap.btl gap.log 2>err || fail "gap import: $(cat err)"
grep -q "^audit: 1 events name a descriptor or peer the log never showed" err ||
	fail "gap not reported: $(cat err)"
# Malformed PATH names (issue 14, item 6).  "2F00" would read as "/", a
# non-hex name or one of odd length as another file: none is used as a
# name; the open still reads its file (by inode), and it is reported.
for name in 2F00 2F6574632F00 2F6574632G 2F6574632F70617373776; do
	cat >bn.log <<X
type=SYSCALL msg=audit(1700000000.100:1): arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=100 uid=0 comm="cat" exe="/bin/cat"
type=PATH msg=audit(1700000000.100:1): item=0 name=$name inode=5 dev=fe:00 nametype=NORMAL
type=EOE msg=audit(1700000000.100:1):
X
	rm -f bn.btl
	"$BTRACK" import --format auditd -o bn.btl bn.log 2>err ||
		fail "name $name: $(cat err)"
	grep -q "^audit: 1 file names malformed" err ||
		fail "name $name not reported: $(cat err)"
	"$BTRACK" log dump bn.btl >dump
	grep -q " event read .*cause=.*(file) effect=" dump ||
		fail "name $name: the read is gone: $(cat dump)"
	! grep -q 'key=path .*value="/"' dump || fail "2F00 named '/'"
	! grep -q 'key=path .*value="/etc/' dump ||
		fail "name $name named a file: $(grep key=path dump)"
done

# An unlink needs the name it removed: skipped, and said to be so.
cat >ul.log <<'X'
type=SYSCALL msg=audit(1700000000.100:1): arch=c000003e syscall=87 success=yes exit=0 a0=1 a1=0 a2=0 a3=0 items=2 ppid=1 pid=100 uid=0 comm="rm" exe="/bin/rm"
type=PATH msg=audit(1700000000.100:1): item=0 name="/tmp/" inode=2 dev=fe:00 nametype=PARENT
type=PATH msg=audit(1700000000.100:1): item=1 name=2F746D702F00 inode=5 dev=fe:00 nametype=DELETE
type=EOE msg=audit(1700000000.100:1):
X
"$BTRACK" import --format auditd -o ul.btl ul.log 2>err ||
	fail "unlink of a malformed name: $(cat err)"
grep -q "^audit: 1 file names malformed .*; 1 events that needed one skipped" err ||
	fail "skipped unlink not reported: $(cat err)"

# A last line without a newline is imported, and said to be so.
printf '%s\n%s\n%s' \
	'type=SYSCALL msg=audit(1700000000.100:1): arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=100 uid=0 comm="cat" exe="/bin/cat"' \
	'type=PATH msg=audit(1700000000.100:1): item=0 name="/etc/x" inode=5 dev=fe:00 nametype=NORMAL' \
	'type=EOE msg=audit(1700000000.100:1):' >nonl.log
"$BTRACK" import --format auditd -o nonl.btl nonl.log 2>err ||
	fail "no newline: $(cat err)"
grep -q "^audit: the last line of 1 input(s) has no newline" err ||
	fail "no newline not reported: $(cat err)"
"$BTRACK" log dump nonl.btl | grep -q 'value="/etc/x"' ||
	fail "the last line's event is lost"

# A 100 MB line is refused (exit 3) or, with --keep-going, skipped and
# counted, without ever being held whole: under a 120 MB address space
# limit the events after it are still imported.
{ head -c 100000000 /dev/zero | tr '\0' a; echo; cat nonl.log; echo; } >big.log
# (not under a sanitizer: ASan reserves terabytes of address space)
limited() {
	if ldd "$BTRACK" 2>/dev/null | grep -q 'libasan'; then
		"$@"
	else
		( ulimit -v 120000; exec "$@" )
	fi
}
set +e
limited "$BTRACK" import --format auditd -o big.btl big.log 2>err
rc=$?
set -e
[ $rc -eq 3 ] || fail "100 MB line: exit $rc: $(cat err)"
grep -q "big.log:1: line longer than 1 MiB" err || fail "long line: $(cat err)"
limited "$BTRACK" import --format auditd --keep-going \
	-o big.btl big.log 2>err || fail "100 MB line, --keep-going: $(cat err)"
grep -q "^audit: 1 lines longer than 1 MiB skipped unread" err ||
	fail "long line not reported: $(cat err)"
"$BTRACK" log dump big.btl | grep -q 'value="/etc/x"' ||
	fail "the events after a long line are lost"
rm -f big.log
exit 0
