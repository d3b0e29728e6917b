#!/bin/sh
# scenarios.sh - the issue 8 scenarios, each run by real programs under
# every capture source, with the checks an analyst would make:
#   record       btrack record
#   auditd       a real auditd with the shipped rules (capture/audit/btrack.rules)
#   auditd-min   a real auditd with a minimal rule set: execve and the open
#                family only (capture/audit/btrack-minimal.rules when it
#                exists, else the two rules below)
# Scenarios: a pipeline; a symlink (and chmod); rename+chmod+exec (the
# file run is the one cp wrote); a redirection followed by many children
# (no invented writes); pid reuse (a second process given the first's pid,
# by a different parent; clone records only under the shipped rules).
# Every walk is made twice, on the log and on a case database (`btrack db
# add`, `backtrack --db`): the two must agree.
#
# A failing check fails the test unless DESIGN says the source cannot see
# it (the reason is printed) or KNOWN lists it (a bug in
# /work/notes/probe-findings.md not fixed yet: printed as "known").
# Delete a KNOWN line when its fix lands.
#   SCEN_SOURCES="record auditd"  only these sources;  KEEP=1 keeps the dir
set -eu
top=${BTRACK_TOP:?}
BT=${BTRACK:?}
B=${B:-build}
T=$(mktemp -d /tmp/bt-scen.XXXXXX)
[ -n "${KEEP:-}" ] && echo "keeping $T"
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
command -v python3 >/dev/null 2>&1 || { echo "no python3"; exit 77; }

# The scenarios: name, then the shell commands run in its directory
# (made by setup() below), one scenario a line.
SCENARIOS='
pipeline	cat secret | gzip -c > out.gz; cat secret | tr a-z A-Z | sort > upper
symlink	ln -s s.txt l; cat l > o1; cp s.txt c; chmod 600 c
rename-exec	cp payload .part; mv .part run.sh; chmod +x run.sh; ./run.sh out
redirect	sh -c '"'"'echo x > a; for i in $(seq 20); do cat a > /dev/null; done; mv a b'"'"'
pidreuse	sh ../pidreuse.sh
'

# The checks: scenario, walk (back|fwd), from, filters (none|default),
# assertion and its arguments (tests/probes/judge.py); @ is the scenario's
# directory.  Each walk is also made on the case database (agree).
CHECKS='
pipeline	back	file:@/out.gz	none	reaches	file:@/secret
pipeline	back	file:@/out.gz	none	chain	file:@/secret	process:/cat	process:/gzip	file:@/out.gz
pipeline	fwd	file:@/secret	none	reaches	file:@/out.gz	file:@/upper
pipeline	back	file:@/upper	default	reaches	file:@/secret
symlink	back	filename:@/l	none	reaches	process:/ln
symlink	back	file:@/o1	none	reaches	file:@/s.txt
symlink	back	file:@/o1	default	reaches	file:@/s.txt
symlink	back	file:@/c	none	reaches	process:/chmod	file:@/s.txt
rename-exec	back	file:@/out	none	chain	file:@/payload	process:/cp	file:@/run.sh	file:@/out
rename-exec	back	file:@/out	none	reaches	file:@/data
rename-exec	back	file:@/run.sh	none	reaches	process:/chmod	process:/mv	file:@/payload
rename-exec	fwd	file:@/payload	none	reaches	file:@/out
redirect	back	file:@/b	none	lacks	process:/cat
redirect	back	filename:@/b	none	reaches	process:/mv
pidreuse	back	file:@/b	none	reaches	file:@/other
pidreuse	back	file:@/b	none	lacks	file:@/secret	file:@/a
pidreuse	back	file:@/a	none	reaches	file:@/secret
pidreuse	back	file:@/a	none	lacks	file:@/other	file:@/b
'

# What a source cannot see, by design: source:scenario:check (shell
# patterns, check as printed) and the reason.
DESIGN='
auditd-min:pipeline:*      the minimal rules log no pipe or fd calls: data through a pipe cannot be inferred
auditd-min:symlink:back#5  the minimal rules do not log symlink: the link has no creator
auditd-min:symlink:back#8  the minimal rules do not log chmod
auditd-min:rename-exec:back#11  the minimal rules do not log chmod or rename (the file is still followed by its inode)
auditd-min:redirect:*      the minimal rules do not log rename: the name b is never seen
'

# Known failures: source:scenario:check (check = walk#line in CHECKS,
# as printed) and the finding's title.
KNOWN='
'

# ---------------------------------------------------------------------
setup() { # ROOT
	mkdir -p "$1"
	for sc in $(echo "$SCENARIOS" | cut -f1); do
		mkdir -p "$1/$sc"
	done
	echo "the secret $$" >"$1/pipeline/secret"
	printf 'symlinked source %s\n' $$ >"$1/symlink/s.txt"
	printf '#!/bin/sh\ncat data > "$1"\n' >"$1/rename-exec/payload"
	echo "data $$" >"$1/rename-exec/data"
	echo "the secret $$" >"$1/pidreuse/secret"
	echo "other data $$" >"$1/pidreuse/other"
	# pid reuse: a writes a from the secret as pid P; then, from another
	# parent, b is written from other by a new process given the same
	# pid P (ns_last_pid; retried when another process took P first).
	cat >"$1/pidreuse.sh" <<'SH'
i=0
while [ $i -lt 40 ]; do
	sh -c 'exec cat secret > a' &
	p=$!
	wait $p
	echo $((p - 2)) >/proc/sys/kernel/ns_last_pid 2>/dev/null || exit 0
	( sh -c 'echo $$ > q; exec cat other > b' & wait )
	[ "$(cat q)" = "$p" ] && { echo "pid $p reused"; exit 0; }
	i=$((i + 1))
done
echo "pid reuse not achieved"
SH
	{
		echo "set -e"
		echo "$SCENARIOS" | while IFS='	' read -r sc cmd; do
			[ -n "$sc" ] || continue
			printf 'cd %s/%s && { %s\n}\n' "$1" "$sc" "$cmd"
		done
	} >"$1/run.sh"
}

minimal_rules() {
	if [ -f "$top/capture/audit/btrack-minimal.rules" ]; then
		cat "$top/capture/audit/btrack-minimal.rules"
	else
		cat <<'R'
-a always,exit -F arch=b64 -S execve,execveat -F success=1 -k btrack
-a always,exit -F arch=b64 -S open,openat,openat2,creat -F success=1 -k btrack
R
	fi
}

# walks SOURCE: a job line for each check of CHECKS, on $T/SOURCE/log.btl
# and its case database (tests/probes/judge.py runs the walks).
walks() {
	s=$1 r=$T/$1
	"$BT" db add --db "$r/case.db" "$r/log.btl" >/dev/null 2>"$r/db.err" ||
		{ cat "$r/db.err"; echo "FAIL: $s: db add"; exit 1; }
	echo "$CHECKS" | sed "s|@|$r/SCEN|g" | awk -F '\t' -v OFS='\t' \
		-v s="$s" -v lg="$r/log.btl" -v db="$r/case.db" '
		NF >= 5 {
			n++
			gsub("SCEN", $1, $0)
			printf "%s\t%s\t%s#%d\t%s\t%s", s, $1, $2, n, lg, db
			for (i = 2; i <= NF; i++) printf "\t%s", $i
			printf "\n"
		}' >>"$T/jobs"
}

sources=${SCEN_SOURCES:-record auditd auditd-min}
ran=""
for s in $sources; do
	r=$T/$s
	case $s in
	record)
		if ! "$BT" record --no-pages -o "$T/try.btl" -- true 2>"$T/err"; then
			echo "record: not usable here ($(tail -n 1 "$T/err"))"
			continue
		fi
		so=${BTRACK_PRELOAD:-$top/$B/libbtrack-pages.so}
		[ -f "$so" ] && export BTRACK_PRELOAD="$so"
		setup "$r"
		(cd "$r" && "$BT" record -o "$r/log.btl" -- sh "$r/run.sh" \
			>"$r/run.out" 2>"$r/run.err") ||
			{ cat "$r/run.err"; echo "FAIL: record: the scenarios failed"; exit 1; }
		;;
	auditd | auditd-min)
		setup "$r"
		if [ $s = auditd-min ]; then
			minimal_rules >"$r/min.rules"
			# audit-capture.sh loads the shipped rules; swap them for
			# the minimal set first thing in the captured command.
			{
				echo "auditctl -D -k btrack >/dev/null"
				echo "auditctl -R '$r/min.rules' >/dev/null"
				cat "$r/run.sh"
			} >"$r/run-min.sh"
			mv "$r/run-min.sh" "$r/run.sh"
		fi
		rc=0
		(cd "$r" && sh "$top/tests/audit-capture.sh" "$r/cap" -- \
			sh "$r/run.sh" >"$r/run.out" 2>&1) || rc=$?
		if [ $rc = 77 ]; then
			echo "$s: $(tail -n 1 "$r/run.out")"
			continue
		fi
		[ $rc = 0 ] || { cat "$r/run.out"; echo "FAIL: $s: the scenarios failed ($rc)"; exit 1; }
		# only this test's processes (tests/probes/audit-tree.py says
		# why); the whole log stays in cap/audit.log
		python3 "$top/tests/probes/audit-tree.py" "$r/run.sh" \
			<"$r/cap/audit.log" >"$r/cap/tree.log"
		"$BT" import --format auditd -o "$r/log.btl" "$r/cap/tree.log" \
			2>"$r/import.err" ||
			{ cat "$r/import.err"; echo "FAIL: $s: import"; exit 1; }
		;;
	*) echo "FAIL: unknown source $s"; exit 1 ;;
	esac
	grep -q 'pid .* reused' "$r/run.out" ||
		echo "$s: $(grep 'pid reuse' "$r/run.out" || echo 'pid reuse not tried')"
	walks "$s"
	ran="$ran $s"
done
[ -n "$ran" ] || { echo "no capture source usable here"; exit 77; }

echo "$DESIGN" >"$T/design"
echo "$KNOWN" >"$T/known"
python3 "$top/tests/probes/judge.py" "$T/jobs" "$T/design" "$T/known" ||
	exit 1
echo ok
