#!/bin/sh
# Run every test: the Check unit suites (build/tests/check_*, fork mode) and
# the shell tests (tests/cli/*.sh, tests/scenario/*.sh).  A shell test passes
# with exit 0, is skipped with exit 77 (it says why), fails otherwise.
# Prints each test's seconds, the slowest, and one closing line: "N
# passed, N failed, N skipped".
# TESTS="check_log cli/log.sh" runs only those.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
B=${B:-build}
BIN=${BIN:-btrack}
case "$BIN" in /*) ;; *) BIN="$top/$BIN";; esac
export BTRACK="$BIN" BTRACK_TOP="$top" BTRACK_NO_PROGRESS=1
export CK_FORK=yes
passed=0 failed=0 skipped=0 failures="" times=""
case "$B" in /*) out=$B/test-logs;; *) out=$top/$B/test-logs;; esac
mkdir -p "$out"

# python3 behind a version manager's shim (pyenv: a shell script that
# runs `pyenv exec`) costs seconds per start on a loaded machine, and the
# shell tests start it hundreds of times: put the interpreter the shim
# picks first in PATH (the same Python, without the shim).
py=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) || py=
if [ -n "$py" ] && [ -x "$py" ] && [ "$py" != "$(command -v python3)" ]; then
	mkdir -p "$out/bin" && ln -sf "$py" "$out/bin/python3" &&
		PATH="$out/bin:$PATH" && export PATH
fi

suites=""
for t in "$B"/tests/check_*; do
	[ -x "$t" ] && suites="$suites $t"
done
shells=$(ls tests/cli/*.sh tests/scenario/*.sh 2>/dev/null)
if [ -n "${TESTS:-}" ]; then
	sel=""
	for w in $TESTS; do
		for t in $suites $shells; do
			case "$t" in *"$w"*) sel="$sel $t";; esac
		done
	done
	suites="" shells=""
	for t in $sel; do
		case "$t" in "$B"/*) suites="$suites $t";; *) shells="$shells $t";; esac
	done
fi

for t in $suites; do
	name=${t##*/}
	log="$out/$name.log"
	t0=$(date +%s)
	"$t" >"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - t0 ))
	times="$times$secs $name
"
	# Check prints "NN%: Checks: N, Failures: N, Errors: N".
	line=$(grep -E '^[0-9]+%: Checks: ' "$log" | tail -n 1)
	n=$(echo "$line" | sed -n 's/.*Checks: \([0-9]*\).*/\1/p')
	f=$(echo "$line" | sed -n 's/.*Failures: \([0-9]*\).*/\1/p')
	e=$(echo "$line" | sed -n 's/.*Errors: \([0-9]*\).*/\1/p')
	n=${n:-0} f=${f:-0} e=${e:-0}
	if [ -z "$line" ] || [ "$rc" -ne 0 ] && [ $((f + e)) -eq 0 ]; then
		f=$((f + 1)) n=$((n + 1))
	fi
	passed=$((passed + n - f - e))
	failed=$((failed + f + e))
	if [ $((f + e)) -gt 0 ] || [ "$rc" -ne 0 ]; then
		printf 'FAIL %s\n' "$name"
		grep -E ':[EF]:' "$log" | head -n 20 | sed 's/^/    /'
		[ -z "$line" ] && tail -n 20 "$log" | sed 's/^/    /'
		failures="$failures $name"
	else
		printf 'ok   %s (%s checks, %d s)\n' "$name" "$n" "$secs"
	fi
done

for t in $shells; do
	name=${t#tests/}
	log="$out/$(echo "$name" | tr / _).log"
	t0=$(date +%s)
	sh "$t" >"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - t0 ))
	times="$times$secs $name
"
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1))
		printf 'ok   %s (%d s)\n' "$name" "$secs"
	elif [ $rc -eq 77 ]; then
		skipped=$((skipped + 1))
		printf 'skip %s: %s\n' "$name" "$(tail -n 1 "$log")"
	else
		failed=$((failed + 1))
		failures="$failures $name"
		printf 'FAIL %s\n' "$name"
		# a scenario suite's failed checks (judge.py prints one FAIL:
		# line each) come before its table: show them, then the end
		grep -E '^FAIL' "$log" | head -n 20 | cut -c 1-400 |
			sed 's/^/    /'
		tail -n 25 "$log" | sed 's/^/    /'
	fi
done

# The slowest tests (CI has 30 minutes for two passes on 2 cores).
printf '\nslowest (seconds):\n'
printf '%s' "$times" | sort -rn | head -n 8 | sed 's/^/    /'
[ -n "$failures" ] && printf '\nfailed:%s\n(logs in %s)\n' "$failures" "$out"
printf '%d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
[ "$failed" -eq 0 ]
