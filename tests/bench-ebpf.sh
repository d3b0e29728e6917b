#!/bin/sh
# tests/bench-ebpf.sh - the capture sources side by side on one file-heavy
# workload (`make bench`, section ebpf; or alone, as root):
#
#   tar x + c of /usr/include: extract a tarball of BENCH_RECORD_SRC
#   (default /usr/include) into a directory on /dev/shm (the tracing is
#   measured, not the disk) and archive it again,
#
# plain, under `btrack capture --source ebpf` (system-wide and --pid),
# under auditd with btrack's rules (capture/audit/btrack.rules, through
# tests/audit-capture.sh: a private auditd), under `btrack record`
# (ptrace) and `btrack record --source ebpf`.  For each: the workload's
# time (measured inside it, best of BENCH_EBPF_RUNS, default 3, the
# configurations taking turns) and its ratio to plain, the events the
# source logged per second of the workload, its drops, and the CPU the
# drainer (btrack, or auditd) used over the workload.  Then a synthetic
# load (tests/progs/record-writes: one-byte writes paced to 500 k and
# 1 M per second for BENCH_EBPF_SECONDS, default 5) under capture --pid
# with the default ring: drops, the rate reached, the drainer's CPU; and
# the drainer's capacity (records/s, CPU per 1 M records) on a full ring.
#
# Prints the rows of bench.sh's table on stdout, one a line:
#   LABEL|VALUE|UNIT|CMP|TARGET
# (CMP ge, le, lt, eq or -), progress on stderr.  A row that cannot run
# here (not root, no BTF, a btrack without eBPF, no auditd) says
# "skipped (why)".  BENCH_EBPF_RUNS=0: the synthetic load only.  Exit 1 only when something that should run failed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
BIN=${BIN:-btrack}
case "$BIN" in /*) ;; *) BIN="$top/$BIN";; esac
RUNS=${BENCH_EBPF_RUNS:-3}
SECS=${BENCH_EBPF_SECONDS:-5}
src=${BENCH_RECORD_SRC:-/usr/include}
writes=$top/$B/progs/record-writes
# `make bench` builds btrack, not the test programs: this one is small
[ -x "$writes" ] || make --no-print-directory -s -C "$top" B="$B" \
	"$B/progs/record-writes" >&2 || :
tck=$(getconf CLK_TCK 2>/dev/null || echo 100)

base=${TMPDIR:-/tmp}
[ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
tmp=$(mktemp -d "$base/btbench-ebpf.XXXXXX")
cap=
watch=
cleanup() {
	[ -n "$cap" ] && kill -TERM "$cap" 2>/dev/null && wait "$cap"
	[ -n "$watch" ] && kill "$watch" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
failed=0

say() { echo "bench-ebpf: $*" >&2; }
out() { printf '%s|%s|%s|%s|%s\n' "$@"; }
now() { date +%s.%N; }
calc() { awk "BEGIN { $1 }"; }

# ---- what can run here
why_ebpf=""
if [ "$(id -u)" != 0 ]; then
	why_ebpf="not root"
elif [ ! -r /sys/kernel/btf/vmlinux ]; then
	why_ebpf="no BTF"
elif ! "$BIN" capture --source ebpf --duration 0.01 -o "$tmp/probe.btl" \
	2>"$tmp/probe.err"; then
	why_ebpf=$(tail -n 1 "$tmp/probe.err")
fi
why_audit=""
if ! command -v auditd >/dev/null 2>&1; then
	why_audit="auditd not installed"
elif [ "$(id -u)" != 0 ]; then
	why_audit="not root"
elif auditctl -s 2>/dev/null | grep -q '^pid [1-9]'; then
	why_audit="another audit daemon is running"
fi
why_rec=""
"$BIN" record --no-pages -o "$tmp/probe2.btl" -- true 2>/dev/null ||
	why_rec="ptrace not usable here"

# ---- the workload: sh -c "$wl DIR" writes "T0 T1" into DIR/times
mkdir -p "$tmp/w"
if ! tar cf "$tmp/src.tar" -C "$(dirname "$src")" "$(basename "$src")" \
	2>/dev/null; then
	say "cannot archive $src"
	exit 1
fi
files=$(tar tf "$tmp/src.tar" | wc -l)
# "T0 T1 CPU": its wall clock and its CPU time (user + system, of the tar
# processes; the eBPF programs run in them and count there).
if [ -x /usr/bin/time ]; then
	timecmd='/usr/bin/time -f "%U %S" -o cpu'
else
	timecmd=""
	say "no /usr/bin/time: CPU ratios not measured"
fi
wl='d=$0; cd "$d" || exit 1; rm -rf x out.tar cpu; mkdir x; t0=$(date +%s.%N)
'"$timecmd"' sh -c "tar xf ../src.tar -C x && tar cf out.tar -C x ." || exit 1
t1=$(date +%s.%N); echo "$t0 $t1 $(awk "{ print \$1 + \$2 }" cpu 2>/dev/null)" > times
rm -rf x out.tar'

# cpu_watch PID FILE: until PID is gone, append "TIME CPU" (its own
# utime + stime, seconds) to FILE every 0.1 s
cpu_watch() {
	while [ -r "/proc/$1/stat" ]; do
		v=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null |
			awk -v t="$tck" '{ print ($12 + $13) / t }')
		[ -n "$v" ] && echo "$(now) $v" >>"$2"
		sleep 0.1
	done
}

# cpu_over FILE T0: CPU from the last sample at or before T0 to the last
cpu_over() {
	awk -v t0="$1" '$1 <= t0 { a = $2 } { b = $2 } END { printf "%.2f", b - a }' "$2"
}

# drops_sum TEXT: the sum of the cause=N counts ("op.x=N" repeat them)
drops_sum() {
	echo "$1" | tr ' ' '\n' | awk -F= '$1 !~ /^op\./ && $2 ~ /^[0-9]+$/ { s += $2 } END { print s + 0 }'
}

# The per-configuration results of the best run (by wall clock): best_CONF
# (s), and events_, drops_, cpu_ (the drainer's) of that run; wcpu_CONF
# the least CPU time of the workload plus its drainer over the runs.
keep() {  # keep CONF TIME EVENTS DROPS CPU
	eval "old=\${best_$1:-}"
	if [ -z "$old" ] || calc "exit !($2 < $old)"; then
		eval "best_$1=$2 events_$1=$3 drops_$1=$4 cpu_$1=$5"
	fi
	c=$(awk -v d="$5" '{ if ($3 == "") print ""; else printf "%.3f", $3 + (d == "-" ? 0 : d) }' "$tmp/w/times")
	eval "old=\${wcpu_$1:-}"
	if [ -n "$c" ] && { [ -z "$old" ] || calc "exit !($c < $old)"; }; then
		eval "wcpu_$1=$c"
	fi
}

inner() {  # inner DIR: the workload's own time
	awk '{ printf "%.3f", $2 - $1 }' "$1/times"
}

start_capture() {  # start_capture LOG [OPTION...]
	l=$1
	shift
	: >"$tmp/cap.err"
	"$BIN" capture --source ebpf -o "$l" --duration 600 "$@" \
		2>"$tmp/cap.err" &
	cap=$!
	i=0
	until grep -q "capturing into" "$tmp/cap.err"; do
		kill -0 "$cap" 2>/dev/null || { cap=; return 1; }
		i=$((i + 1))
		[ $i -lt 600 ] || return 1
		sleep 0.1
	done
	: >"$tmp/cap.cpu"
	cpu_watch "$cap" "$tmp/cap.cpu" & watch=$!
}

stop_capture() {  # sets cap_records, cap_drops (not in a subshell: wait)
	kill -INT "$cap"
	wait "$cap"
	rc=$?
	cap=
	wait "$watch" 2>/dev/null
	watch=
	[ $rc = 0 ] || return 1
	cap_records=$(sed -n 's/.*: \([0-9]*\) records drained.*/\1/p' "$tmp/cap.err")
	cap_drops=$(drops_sum "$(sed -n 's/.*; drops: //p' "$tmp/cap.err")")
}

run_plain() {
	sh -c "$wl" "$tmp/w" || return 1
	keep plain "$(inner "$tmp/w")" - - -
}

run_cap_all() {
	start_capture "$tmp/all.btl" || return 1
	sh -c "$wl" "$tmp/w" || return 1
	t0=$(awk '{ print $1 }' "$tmp/w/times")
	stop_capture || return 1
	set -- "$cap_records" "$cap_drops"
	t=$(inner "$tmp/w")
	keep capall "$t" "$(calc "printf \"%.0f\", $1 / $t")" "$2" \
		"$(cpu_over "$t0" "$tmp/cap.cpu")"
	rm -f "$tmp/all.btl"
}

run_cap_pid() {
	rm -f "$tmp/go"
	sh -c "while [ ! -e '$tmp/go' ]; do sleep 0.01; done; $wl" "$tmp/w" &
	tree=$!
	start_capture "$tmp/pid.btl" --pid $tree || return 1
	touch "$tmp/go"
	wait $tree || return 1
	t0=$(awk '{ print $1 }' "$tmp/w/times")
	stop_capture || return 1
	set -- "$cap_records" "$cap_drops"
	t=$(inner "$tmp/w")
	keep cappid "$t" "$(calc "printf \"%.0f\", $1 / $t")" "$2" \
		"$(cpu_over "$t0" "$tmp/cap.cpu")"
	rm -f "$tmp/pid.btl"
}

run_audit() {
	# Inside: the workload, with auditd's pid and the kernel's lost
	# count before and after, and auditd's CPU sampled meanwhile.
	cat >"$tmp/aud.sh" <<'SH'
d=$1 wl=$2
apid=$(auditctl -s | sed -n 's/^pid //p')
lost0=$(auditctl -s | sed -n 's/^lost //p')
: >"$d/aud.cpu"
(while [ -r /proc/$apid/stat ] && [ ! -e "$d/aud.done" ]; do
	v=$(sed 's/.*) //' /proc/$apid/stat | awk -v t="$3" '{ print ($12 + $13) / t }')
	echo "$(date +%s.%N) $v" >>"$d/aud.cpu"
	sleep 0.1
done) &
sh -c "$wl" "$d/w" || exit 1
sleep 0.3
touch "$d/aud.done"
wait
lost1=$(auditctl -s | sed -n 's/^lost //p')
echo "$((lost1 - lost0))" >"$d/aud.lost"
SH
	rm -rf "$tmp/aud" "$tmp/aud.done"
	sh "$top/tests/audit-capture.sh" "$tmp/aud" -- sh "$tmp/aud.sh" "$tmp" \
		"$wl" "$tck" >"$tmp/aud.out" 2>&1
	rc=$?
	if [ $rc = 77 ]; then
		why_audit=$(tail -n 1 "$tmp/aud.out")
		return 0
	fi
	[ $rc = 0 ] || { cat "$tmp/aud.out" >&2; return 1; }
	t=$(inner "$tmp/w")
	t0=$(awk '{ print $1 }' "$tmp/w/times")
	n=$(cat "$tmp/aud"/audit.log* 2>/dev/null | wc -l)
	keep audit "$t" "$(calc "printf \"%.0f\", $n / $t")" \
		"$(cat "$tmp/aud.lost")" "$(cpu_over "$t0" "$tmp/aud.cpu")"
	rm -rf "$tmp/aud"
}

run_record() {  # run_record CONF SOURCE
	rm -f "$tmp/rec.cpu"
	t0=$(now)
	"$BIN" record --source "$2" --force -o "$tmp/rec.btl" -- \
		sh -c "$wl" "$tmp/w" 2>"$tmp/rec.err" &
	rp=$!
	cpu_watch $rp "$tmp/rec.cpu" &
	wait $rp || { cat "$tmp/rec.err" >&2; return 1; }
	t1=$(now)
	wait
	t=$(inner "$tmp/w")
	e=$(sed -n 's/.*recorded \([0-9]*\) events.*/\1/p' "$tmp/rec.err")
	d=$(sed -n 's/.* \([0-9]*\) drops).*/\1/p' "$tmp/rec.err")
	keep "$1" "$t" "$(calc "printf \"%.0f\", $e / $t")" "${d:-0}" \
		"$(cpu_over "$(awk '{ print $1 }' "$tmp/w/times")" "$tmp/rec.cpu")"
	eval "old=\${e2e_$1:-}"
	e2e=$(calc "printf \"%.3f\", $t1 - $t0")
	if [ -z "$old" ] || calc "exit !($e2e < $old)"; then
		eval "e2e_$1=$e2e"
	fi
	rm -f "$tmp/rec.btl"
}

say "workload: tar x + c of $src ($files entries) on $base, best of $RUNS"
say "load average $(cut -d' ' -f1-3 /proc/loadavg)"
r=0
while [ $r -lt "$RUNS" ]; do
	say "round $((r + 1))"
	run_plain || { say "the workload failed"; exit 1; }
	if [ -z "$why_ebpf" ]; then
		run_cap_all || { say "capture (system-wide) failed"; failed=1; }
		run_cap_pid || { say "capture --pid failed"; failed=1; }
	fi
	if [ -z "$why_audit" ]; then
		run_audit || { say "auditd failed"; failed=1; }
	fi
	if [ -z "$why_rec" ]; then
		run_record recp ptrace || { say "record failed"; failed=1; }
	fi
	if [ -z "$why_ebpf" ]; then
		run_record rece ebpf || { say "record --source ebpf failed"; failed=1; }
	fi
	r=$((r + 1))
done

# row CONF LABEL CMP TARGET: the rows of one configuration
rows() {
	eval "t=\${best_$1:-} ev=\${events_$1:-} dr=\${drops_$1:-} cpu=\${cpu_$1:-}"
	if [ -z "$t" ]; then
		out "$2" "skipped (${5:-failed})" "" - -
		return
	fi
	eval "wc=\${wcpu_$1:-}"
	out "$2: ratio to plain (wall clock)" "$(calc "printf \"%.2f\", $t / $best_plain")" x "$3" "$4"
	[ -n "$wc" ] && [ -n "${wcpu_plain:-}" ] &&
		out "  ratio to plain (CPU: workload + drainer)" "$(calc "printf \"%.2f\", $wc / $wcpu_plain")" x "$3" "$4"
	out "  time (workload)" "$t" s - -
	[ "$ev" = - ] && return
	out "  events/s logged (drops)" "$ev ($dr)" "" - -
	out "  drainer CPU over the workload" "$cpu" s - -
}
if [ "$RUNS" -gt 0 ]; then
	w="tar x+c of $(basename "$src")"
	out "$w: plain" "$best_plain" s - -
	[ -n "${wcpu_plain:-}" ] && out "  CPU time (plain)" "$wcpu_plain" s - -
	rows capall "  capture --source ebpf, system-wide" le 1.3 "$why_ebpf"
	rows cappid "  capture --source ebpf --pid" le 1.3 "$why_ebpf"
	rows audit "  auditd, btrack.rules" - - "$why_audit"
	if [ -n "${best_audit:-}" ] && [ -n "${best_capall:-}" ]; then
		out "  capture (system-wide) / auditd" \
			"$(calc "printf \"%.2f\", $best_capall / $best_audit")" x lt 1
	fi
	rows recp "  record (ptrace)" - - "$why_rec"
	[ -n "${e2e_recp:-}" ] && out "    end to end, with start-up" "$e2e_recp" s - -
	rows rece "  record --source ebpf" le 1.5 "$why_ebpf"
	[ -n "${e2e_rece:-}" ] && out "    end to end, with start-up (programs loaded)" "$e2e_rece" s - -
fi

# ---- the synthetic load: one-byte writes to a file under capture --pid
# (default ring).  Live: paced to 500 k/s and 1 M/s (the rate reached
# depends on the machine: with one writer and the drainer on a loaded
# 2-CPU machine it may be less).  Then the drainer's own capacity: with
# the drainer stopped (SIGSTOP), 800 k writes fill the ring (64 MiB holds
# about 900 k of these records); then it is continued and timed until it
# has drained them (SIGUSR1 reports).
synth() {  # synth RATE MAX STOPPED SECONDS: sets got n rec drops cpu secs
	rm -f "$tmp/go" "$tmp/wfile"
	sh -c "while [ ! -e '$tmp/go' ]; do sleep 0.01; done
		exec '$writes' '$tmp/wfile' $4 $1 $2" >"$tmp/wr.out" &
	tree=$!
	if ! start_capture "$tmp/wr.btl" --pid $tree --no-pages; then
		kill $tree
		return 1
	fi
	[ "$3" = 1 ] && kill -STOP "$cap"
	c0=$(tail -n 1 "$tmp/cap.cpu" | awk '{ print $2 }')
	t0=$(now)
	touch "$tmp/go"
	wait $tree
	n=$(sed -n 's/^writes=\([0-9]*\).*/\1/p' "$tmp/wr.out")
	got=$(sed -n 's/.*rate=\([0-9]*\).*/\1/p' "$tmp/wr.out")
	if [ "$3" = 1 ]; then
		c0=$(tail -n 1 "$tmp/cap.cpu" | awk '{ print $2 }')
		t0=$(now)
		kill -CONT "$cap"
		i=0
		while [ $i -lt 600 ]; do
			kill -USR1 "$cap"
			sleep 0.05
			d=$(sed -n 's/.*: \([0-9]*\) records drained.*/\1/p' \
				"$tmp/cap.err" | tail -n 1)
			[ "${d:-0}" -ge "$n" ] && break
			i=$((i + 1))
		done
		t1=$(now)
		c1=$(sed 's/.*) //' "/proc/$cap/stat" | awk -v t="$tck" '{ print ($12 + $13) / t }')
	fi
	stop_capture || return 1
	[ "$3" = 1 ] || { t1=$(now); c1=$(tail -n 1 "$tmp/cap.cpu" | awk '{ print $2 }'); }
	rec=$cap_records drops=$cap_drops
	secs=$(calc "printf \"%.3f\", $t1 - $t0")
	cpu=$(calc "printf \"%.2f\", ${c1:-0} - ${c0:-0}")
	rm -f "$tmp/wr.btl" "$tmp/wfile"
}
if [ -n "$why_ebpf" ]; then
	out "synthetic writes under capture --pid" "skipped ($why_ebpf)" "" - -
elif [ ! -x "$writes" ]; then
	out "synthetic writes under capture --pid" "skipped (no $writes: make tests-build)" "" - -
else
	for rate in 500000 1000000; do
		if ! synth $rate 0 0 "$SECS"; then
			say "capture for the synthetic load failed"
			failed=1
			break
		fi
		out "synthetic writes, $((rate / 1000)) k/s asked, ${SECS} s: rate reached" \
			"$((got / 1000))" "k/s" - -
		out "  records drained / writes" "$rec / $n" "" - -
		out "  drops (default 64 MiB ring)" "$drops" "" eq 0
		out "  drainer CPU (share of one core)" \
			"$(calc "printf \"%.0f\", 100 * $cpu / $secs")" "%" lt 100
	done
	if synth 0 800000 1 120; then
		out "drainer capacity: $((n / 1000)) k records queued, drained in" "$secs" s - -
		out "  drain rate (wall clock)" "$(calc "printf \"%.0f\", $n / $secs / 1000")" "k records/s" ge 500
		out "  drainer CPU per 1 M records" "$(calc "printf \"%.2f\", $cpu * 1000000 / $n")" s lt 1
		out "  drain rate per CPU second" "$(calc "printf \"%.0f\", $n / ($cpu > 0 ? $cpu : 0.01) / 1000")" "k records/s" ge 1000
		out "  drops (writer alone, ring 64 MiB)" "$drops" "" eq 0
	else
		say "capture for the drain capacity failed"
		failed=1
	fi
fi
out "load average at the end" "$(cut -d' ' -f1-3 /proc/loadavg)" "" - -
exit $failed
