#!/bin/sh
# audit-cost.sh [WORKLOAD...] - what each of btrack's audit rule sets costs.
#
# For each workload (default: tar, shell) and each rule set (none, minimal,
# full = capture/audit/btrack-minimal.rules, btrack.rules) it runs the
# workload under a private auditd (tests/audit-capture.sh) and prints:
#   - wall time, and the slowdown against the same workload without rules;
#   - audit records the workload's processes produced, per second of its run;
#   - records per 1,000 system calls of the workload (counted once with
#     strace -f -c, without auditd);
#   - records the kernel lost, if any (then the figures are low).
# Other load on the machine moves the times; the records per 1,000 calls
# do not move.
# The figures in btrack-import(1) come from this script.  Needs root,
# auditd and strace; exits 77 (skip) without them.  Not part of `make check`
# (it takes a minute and its numbers depend on the machine).
#
#   tar    tar x of a tarball of /usr/include (about 6,000 files), then tar c
#          of the result (as in `make bench`'s auditd section)
#   shell  a shell loop of 300 rounds: echo > file, cat file | wc, rm
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
command -v strace >/dev/null 2>&1 || { echo "strace is not installed"; exit 77; }
command -v auditd >/dev/null 2>&1 || { echo "auditd is not installed"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
tmp=$(mktemp -d /tmp/bt-acost.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
workloads=${*:-tar shell}

tar cf "$tmp/src.tar" -C /usr include 2>/dev/null

# A checkout-shaped directory per rule set, so audit-capture.sh loads it.
for set in minimal full; do
	mkdir -p "$tmp/top-$set/tests" "$tmp/top-$set/capture/audit"
	cp "$top/tests/audit-capture.sh" "$tmp/top-$set/tests/"
done
cp "$top/capture/audit/btrack-minimal.rules" \
	"$tmp/top-minimal/capture/audit/btrack.rules"
cp "$top/capture/audit/btrack.rules" "$tmp/top-full/capture/audit/btrack.rules"

cat >"$tmp/work.sh" <<'SH'
# $1 = workload, $2 = scratch dir; writes the root pid to $2/root.pid
echo $$ >"$2/root.pid"
cd "$2"
case $1 in
tar)
	rm -rf x && mkdir x
	tar xf ../src.tar -C x
	tar cf out.tar x
	;;
shell)
	i=0
	while [ $i -lt 300 ]; do
		echo "line $i" >f
		cat f | wc -c >/dev/null
		rm f
		i=$((i + 1))
	done
	;;
esac
SH

now() { date +%s.%N; }

# Records of the workload: events whose process descends from the root pid
# (by fork records or by the ppid= of each SYSCALL record).
count() {
	python3 - "$1" "$2" <<'PY'
import re, sys
log, root = sys.argv[1], sys.argv[2].strip()
ev = {}
for line in open(log, errors="replace"):
    m = re.search(r"audit\(([0-9.]+:[0-9]+)\)", line)
    if not m:
        continue
    e = ev.setdefault(m.group(1), [0, None, None])
    e[0] += 1
    if line.startswith("type=SYSCALL") or " type=SYSCALL " in line:
        p = re.search(r" pid=(\d+)", line)
        pp = re.search(r" ppid=(\d+)", line)
        e[1] = p and p.group(1)
        e[2] = pp and pp.group(1)
tree, n = {root}, 0
changed = True
while changed:
    changed = False
    for e in ev.values():
        if e[1] and e[2] in tree and e[1] not in tree:
            tree.add(e[1]); changed = True
for e in ev.values():
    if e[1] in tree:
        n += e[0]
print(n)
PY
}

printf '%-6s %-8s %9s %9s %11s %13s\n' workload rules "time s" slowdown \
	"records/s" "rec/1k calls"
for w in $workloads; do
	mkdir -p "$tmp/$w"
	strace -f -c -o "$tmp/$w.strace" sh "$tmp/work.sh" "$w" "$tmp/$w" \
		>/dev/null 2>&1
	# strace's total line: "100.00 sec usecs/call calls [errors] total"
	calls=$(awk '$NF == "total" { print $4 }' "$tmp/$w.strace" | tail -n 1)
	t0=$(now); sh "$tmp/work.sh" "$w" "$tmp/$w" >/dev/null 2>&1; t1=$(now)
	base=$(echo "$t1 - $t0" | bc -l)
	printf '%-6s %-8s %9.2f %9s %11s %13s\n' "$w" none "$base" 1.00 - -
	for set in minimal full; do
		rm -rf "$tmp/cap-$w-$set"
		t0=$(now)
		BTRACK_AUDIT_FORMAT=RAW sh "$tmp/top-$set/tests/audit-capture.sh" \
			"$tmp/cap-$w-$set" -- sh -c 's=$(date +%s.%N); sh "$0" "$1" "$2" >/dev/null 2>&1; e=$(date +%s.%N); echo "$s $e" >"$2/span"
				# wait until auditd has written everything
				m=btrack-cost-end-$$; auditctl -m $m; i=0
				while ! grep -q $m "$3" && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done' \
			"$tmp/work.sh" "$w" "$tmp/$w" "$tmp/cap-$w-$set/audit.log" \
			>/dev/null 2>"$tmp/$w-$set.err"
		rc=$?
		[ $rc -eq 77 ] && { echo "auditd unavailable"; exit 77; }
		read s e <"$tmp/$w/span"
		t=$(echo "$e - $s" | bc -l)
		recs=$(count "$tmp/cap-$w-$set/audit.log" "$(cat "$tmp/$w/root.pid")")
		printf '%-6s %-8s %9.2f %9.2f %11.0f %13.1f\n' "$w" "$set" "$t" \
			"$(echo "$t / $base" | bc -l)" \
			"$(echo "$recs / $t" | bc -l)" \
			"$(echo "$recs * 1000 / $calls" | bc -l)"
		grep -h 'lost' "$tmp/$w-$set.err" | sed 's/^/  /'
	done
	echo "  ($w: $calls system calls)"
done
