#!/bin/sh
# One real audit log, every line form the importer accepts: record a small
# scenario under a private auditd (RAW format), then rewrite its lines as
# audispd's syslog plugin (a syslog prefix), a multi-host collector
# (node=), the kernel's own log (numeric types, "audit(...)" without msg=,
# a dmesg time) and laurel (quoted values), and with its PATH records in
# reverse order.  Each rewrite must import into the same log records as
# the original, and the backtrack must reach the secret.
# Skips (77) without root or auditd, or when another audit daemon runs.
set -eu
top=${BTRACK_TOP:?}
B=${BTRACK:?}
tmp=$(mktemp -d /tmp/bt-forms.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
cd "$tmp"
echo "the secret $$" >secret
cat >scenario.sh <<SH
set -e
cd $tmp
cat secret > stage
cp stage copy
mv copy final
rm stage
SH
rc=0
BTRACK_AUDIT_FORMAT=RAW sh "$top/tests/audit-capture.sh" "$tmp/audit" -- sh scenario.sh || rc=$?
[ $rc -eq 77 ] && { echo "auditd unavailable"; exit 77; }
[ $rc -eq 0 ] || { echo "scenario failed ($rc)"; exit 1; }
log=audit/audit.log
[ -s $log ] || { echo "empty audit log"; exit 1; }

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# The log's records without the import note (it names the input file).
records() { "$B" log dump "$1" | grep -v ' note key=source ' | sed 's/^[0-9]* //'; }

"$B" import --format auditd -o ref.btl $log 2>ref.err || { cat ref.err; exit 1; }
records ref.btl >ref.txt
"$B" backtrack --log ref.btl --from "file:$tmp/final" --no-filters >ref.bt 2>&1 || true
grep -q "$tmp/secret" ref.bt || fail "the raw log: final does not reach secret"

sed 's/^/Nov 30 10:00:00 host audispd: /' $log >syslog.log
sed 's/^/node=host1 /' $log >node.log
awk 'BEGIN {
	n["SYSCALL"] = 1300; n["PATH"] = 1302; n["SOCKETCALL"] = 1304
	n["SOCKADDR"] = 1306; n["CWD"] = 1307; n["EXECVE"] = 1309
	n["FD_PAIR"] = 1317; n["EOE"] = 1320; n["MMAP"] = 1323
	n["PROCTITLE"] = 1327
}
{
	t = $1; sub(/^type=/, "", t)
	if (t in n && $2 ~ /^msg=audit\(/) {
		sub(/^type=[A-Z_]* msg=audit\(/, "")
		printf "[%5d.%06d] audit: type=%d audit(%s\n", NR / 1000, NR % 1000000, n[t], $0
	} else
		print
}' $log >kernel.log
# laurel quotes enumerated and numeric values (success="yes", dev="fd:01");
# hex-encoded strings stay bare.
awk '
/^type=(SYSCALL|PATH) / {
	out = ""
	for (i = 1; i <= NF; i++) {
		f = $i
		if (i > 2 && f ~ /^(success|exit|pid|ppid|uid|gid|euid|auid|ses|items|syscall|item|inode|dev|mode|nametype|ouid|ogid|rdev|tty)=[^"]/) {
			k = f; sub(/=.*/, "", k); v = f; sub(/^[^=]*=/, "", v)
			f = k "=\"" v "\""
		}
		out = out (i > 1 ? " " : "") f
	}
	print out; next
}
{ print }' $log >quoted.log
# PATH records of each event in reverse order (as in laurel's data).
awk '
function flush() { for (j = np; j >= 1; j--) print p[j]; np = 0 }
/^type=PATH / { p[++np] = $0; next }
{ flush(); print }
END { flush() }' $log >reversed.log

for v in syslog node kernel quoted reversed; do
	cmp -s $log $v.log && { fail "$v: the rewrite changed nothing"; continue; }
	if ! "$B" import --format auditd -o $v.btl $v.log 2>$v.err; then
		fail "$v: import failed: $(tail -n 1 $v.err)"
		continue
	fi
	records $v.btl >$v.txt
	cmp -s ref.txt $v.txt ||
		fail "$v: not the same records as the raw log: $(diff ref.txt $v.txt | head -n 4 | tr '\n' ' ')"
	"$B" backtrack --log $v.btl --from "file:$tmp/final" --no-filters >$v.bt 2>&1 || true
	grep -q "$tmp/secret" $v.bt || fail "$v: final does not reach secret"
done
[ $fails -eq 0 ] || { echo "$fails failures (KEEP=1 keeps $tmp)"; exit 1; }
echo "every form imports as the raw log: $(head -n 1 ref.err)"
