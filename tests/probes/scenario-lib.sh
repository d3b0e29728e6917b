# tests/probes/scenario-lib.sh - the machinery tests/scenario/scenarios.sh
# and tests/scenario/workloads.sh share: run the SCENARIOS under each
# capture source, make the walks of CHECKS on the log and on a case
# database, judge them (tests/probes/judge.py) against DESIGN and KNOWN.
# The sourcing script sets top, BT, B, T, SCENARIOS, CHECKS, DESIGN, KNOWN,
# SCEN_DEFAULT_SOURCES and defines prepare ROOT; optionally SCEN_SKIP, an
# awk pattern of scenario names whose checks are numbered but not made (a
# scenario left out here: the other checks keep their numbers, which
# DESIGN and KNOWN name).

# setup ROOT: a directory per scenario, prepare() fills them, and
# ROOT/run.sh runs them all (BIN in a command: the probes' directory).
setup() {
	mkdir -p "$1"
	for sc in $(echo "$SCENARIOS" | cut -f1); do
		mkdir -p "$1/$sc"
	done
	prepare "$1"
	{
		echo "set -e"
		echo "$SCENARIOS" | while IFS='	' read -r sc cmd; do
			[ -n "$sc" ] || continue
			printf 'cd %s/%s && { %s\n}\n' "$1" "$sc" \
				"$(echo "$cmd" | sed "s|BIN/|$bin/|g")"
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
		-v s="$s" -v lg="$r/log.btl" -v db="$r/case.db" \
		-v skip="${SCEN_SKIP:-}" '
		NF >= 5 {
			n++
			if (skip != "" && $1 ~ skip)
				next
			gsub("SCEN", $1, $0)
			printf "%s\t%s\t%s#%d\t%s\t%s", s, $1, $2, n, lg, db
			for (i = 2; i <= NF; i++) printf "\t%s", $i
			printf "\n"
		}' >>"$T/jobs"
}

bin=$top/$B/probes
sources=${SCEN_SOURCES:-$SCEN_DEFAULT_SOURCES}
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
	ebpf)
		# `btrack record --source ebpf`: root, BTF, tracefs
		if ! "$BT" record --source ebpf -o "$T/try-ebpf.btl" -- true 2>"$T/err"; then
			echo "ebpf: not usable here ($(tail -n 1 "$T/err"))"
			continue
		fi
		setup "$r"
		(cd "$r" && "$BT" record --source ebpf -o "$r/log.btl" -- \
			sh "$r/run.sh" >"$r/run.out" 2>"$r/run.err") ||
			{ cat "$r/run.err"; echo "FAIL: ebpf: the scenarios failed"; exit 1; }
		;;
	auditd | auditd-min)
		setup "$r"
		# a new audit session for this test's processes
		{
			echo "echo 0 >/proc/self/loginuid 2>/dev/null"
			echo "cat /proc/self/sessionid >'$r/ses'"
			cat "$r/run.sh"
		} >"$r/run-ses.sh"
		mv "$r/run-ses.sh" "$r/run.sh"
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
		# only this test's session (tests/probes/audit-session.py says
		# why); the whole log stays in cap/audit.log
		python3 "$top/tests/probes/audit-session.py" "$(cat "$r/ses")" \
			<"$r/cap/audit.log" >"$r/cap/session.log"
		"$BT" import --format auditd -o "$r/log.btl" "$r/cap/session.log" \
			2>"$r/import.err" ||
			{ cat "$r/import.err"; echo "FAIL: $s: import"; exit 1; }
		;;
	*) echo "FAIL: unknown source $s"; exit 1 ;;
	esac
	if echo "$SCENARIOS" | grep -q '^pidreuse'; then
		grep -q 'pid .* reused' "$r/run.out" ||
			echo "$s: $(grep 'pid reuse' "$r/run.out" || echo 'pid reuse not tried')"
	fi
	walks "$s"
	ran="$ran $s"
done
[ -n "$ran" ] || { echo "no capture source usable here"; exit 77; }

echo "$DESIGN" >"$T/design"
echo "$KNOWN" >"$T/known"
python3 "$top/tests/probes/judge.py" "$T/jobs" "$T/design" "$T/known" ||
	exit 1
echo ok
